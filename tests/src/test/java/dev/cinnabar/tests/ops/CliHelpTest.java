package dev.cinnabar.tests.ops;

import static dev.cinnabar.tests.ops.ReplicationCheckTest.cinnabar;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.ops.Cli;
import dev.cinnabar.tests.ops.ReplicationCheckTest.Result;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Issue 15: every subcommand of `cinnabar` (the load test included) says in its --help what it
 * does and what each option and parameter means. Walks the command tree the tool parses with, and
 * runs `cinnabar <subcommand ...> --help` for every subcommand, checking that each option's name
 * and its description are printed.
 */
class CliHelpTest {

    private static void walk(CommandLine cl, List<CommandLine> all) {
        all.add(cl);
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!all.contains(sub)) {
                walk(sub, all);
            }
        }
    }

    private static String text(String[] lines) {
        return String.join(" ", lines).trim();
    }

    @Test
    void everySubcommandDescribesItselfAndEveryOption() {
        List<CommandLine> all = new ArrayList<>();
        walk(Cli.commandLine(new PrintWriter(new StringWriter())), all);
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (CommandLine cl : all) {
            CommandSpec spec = cl.getCommandSpec();
            String name = spec.qualifiedName();
            if (text(spec.usageMessage().description()).isEmpty()) {
                missing.add(name + ": no description");
            }
            for (OptionSpec o : spec.options()) {
                if (text(o.description()).isEmpty()) {
                    missing.add(name + " " + o.longestName());
                }
            }
            for (PositionalParamSpec p : spec.positionalParameters()) {
                if (text(p.description()).isEmpty()) {
                    missing.add(name + " " + p.paramLabel());
                }
            }
            if (cl.getParent() == null || name.endsWith(" help")) {
                continue;
            }
            // what the operator sees: the help printed for that subcommand
            List<String> args = new ArrayList<>(List.of(name.split(" ")).subList(1, name.split(" ").length));
            args.add("--help");
            Result r = cinnabar(args.toArray(String[]::new));
            assertThat(r.code()).as(name + " --help").isZero();
            for (OptionSpec o : spec.options()) {
                assertThat(r.out()).as(name + " --help").contains(o.longestName())
                        .contains(o.description()[0].replace("${DEFAULT-VALUE}", String.valueOf(o.defaultValue()))
                                .split("\\s+")[0]);
            }
            checked++;
        }
        assertThat(missing).as("options and commands with no description").isEmpty();
        assertThat(checked).as("subcommands whose --help was run").isGreaterThan(10);
    }
}
