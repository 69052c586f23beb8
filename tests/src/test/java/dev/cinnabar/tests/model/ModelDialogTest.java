package dev.cinnabar.tests.model;

import dev.cinnabar.testkit.RealRedis;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.cinnabar.testkit.model.Dialog;
import dev.cinnabar.testkit.model.DialogDiffer;
import dev.cinnabar.testkit.model.DialogGenerator;
import dev.cinnabar.testkit.model.DialogModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The multi-client model test (issue 9): random dialogs of 2-4 connections mixing MULTI/EXEC/WATCH,
 * blocking pops, pub/sub in RESP2 and RESP3, CLIENT REPLY ON/OFF/SKIP, CLIENT PAUSE, a busy
 * script with SCRIPT KILL, CLIENT KILL and tracking, run against real Redis 7.0 and Cinnabar.
 * Every connection's complete stream must be Redis's, and on both servers every request must get
 * its reply or a documented disconnect ({@code ReplyAccounting}).
 *
 * <p>System properties: {@code -Dmodel.seed=N} (default: fresh each run, printed; fixed in CI),
 * {@code -Dmodel.dialogs=N} (default 2000, about 90 s on 2 cores when they pass), {@code -Dmodel.reports=N}
 * (default 4: failures of different kinds reported, each shrunk), {@code -Dmodel.replyTimeout=ms}
 * (default 1000: how long Cinnabar may take for a frame Redis had sent). Dialog {@code i} uses
 * seed {@code seed + i}; a report gives the flags to rerun it alone. {@code -Dmodel.file=path}
 * runs one hand-written dialog instead (the lines of a report: {@code c1 SET k v}, {@code c1+ ...}
 * for the same write, {@code c1~ ...} unsettled; {@code #} comments), e.g. a shrunk one.
 */
class ModelDialogTest {
    static final String RERUN = "mvn -o -B test -pl tests -am -Dsurefire.failIfNoSpecifiedTests=false"
            + " -Dtest=ModelDialogTest";

    @Test
    void everyConnectionGetsRedisStreamAndEveryRequestItsReply() throws IOException {
        String file = System.getProperty("model.file");
        if (file != null) {
            runOne(Path.of(file));
            return;
        }
        boolean ci = RealRedis.inCi();
        long seed = Long.getLong("model.seed", ci ? 20261202L : System.nanoTime() ^ System.currentTimeMillis());
        int dialogs = Integer.getInteger("model.dialogs", 2000);
        int maxReports = Integer.getInteger("model.reports", 4);
        int replyTimeout = Integer.getInteger("model.replyTimeout", 1000);
        System.out.println("ModelDialogTest seed=" + seed + " dialogs=" + dialogs + " (rerun: " + RERUN
                + " -Dmodel.seed=" + seed + " -Dmodel.dialogs=" + dialogs + ")");
        DialogGenerator gen = new DialogGenerator();
        Map<String, String> reports = new LinkedHashMap<>();
        Map<String, Integer> kinds = new LinkedHashMap<>();
        long start = System.currentTimeMillis();
        int ran = 0;
        try (DialogDiffer d = DialogDiffer.start(replyTimeout)) {
            for (int i = 0; i < dialogs && reports.size() < maxReports; i++, ran++) {
                Dialog dialog = gen.generate(seed + i);
                DialogDiffer.Outcome o = d.run(dialog);
                if (!o.failed()) {
                    continue;
                }
                String sig = o.signature();
                kinds.merge(sig, 1, Integer::sum);
                if (reports.containsKey(sig)) {
                    continue;
                }
                DialogDiffer.Outcome small = o.modelWrong() ? o : d.minimise(o, 150, 60_000);
                reports.put(sig, small.report(RERUN)
                        + (small.dialog().body().size() < dialog.body().size()
                        ? "shrunk from seed " + dialog.seed() + "'s " + dialog.body().size() + " steps\n" : ""));
            }
        }
        System.out.printf("ran %d dialogs in %d ms%n", ran, System.currentTimeMillis() - start);
        if (!reports.isEmpty()) {
            List<String> parts = new ArrayList<>();
            kinds.forEach((k, n) -> parts.add(n + " x " + k));
            throw new AssertionError("dialogs failed (seed=" + seed + "): " + parts + "\n\n"
                    + String.join("\n", reports.values()));
        }
    }

    private static void runOne(Path file) throws IOException {
        String[] lines = Files.readAllLines(file).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toArray(String[]::new);
        Dialog dialog = Dialog.parse(lines);
        String rule = DialogModel.firstViolation(dialog.clients(), dialog.body());
        if (rule != null) {
            // still run: but the reply accounting assumes the rules (e.g. a suppressed refusal)
            System.out.println("note: this dialog breaks a rule of generated dialogs, " + rule);
        }
        try (DialogDiffer d = DialogDiffer.start(Integer.getInteger("model.replyTimeout", 1000))) {
            DialogDiffer.Outcome o = d.run(dialog);
            System.out.println(o.report(""));
            if (o.failed()) {
                throw new AssertionError(o.report(""));
            }
        }
    }
}
