package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.config.ConfigFile;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * redis-server's command-line options read as Redis 7.0.15 reads them, against the real binary: a
 * {@code --name} given alone takes the next argument as its value even when that starts with
 * {@code --}, {@code --save} alone means {@code save ""}, a name and its value may share one
 * argument; and a bad option is refused with the same fatal report (the line Redis built from the
 * arguments, and the reason).
 */
class CommandLineOptionsTest {
    private static final List<List<String>> REFUSED = List.of(
            List.of("--port"),
            List.of("--port", "6380", "--loglevel"),
            List.of("--port", "6379", "6380"),
            List.of("--port", "--loglevel", "verbose"),
            List.of("--port", "--bla", "--loglevel", "verbose"),
            List.of("--logfile", "--my--log--file", "--loglevel", "--bla"),
            List.of("--shutdown-on-sigint"),
            List.of("--shutdown-on-sigint", "now force", "--shutdown-on-sigterm"),
            List.of("--replicaof", "127.0.0.1", "abc"),
            List.of("--replicaof", "--127.0.0.1", "abc"),
            List.of("--replicaof", "--127.0.0.1", "--abc"),
            List.of("--maxmemory", "--save", "--loglevel", "verbose"));

    @Test
    void badOptionsAreRefusedWithRedisReport() throws Exception {
        RealRedis.assumeAvailable();
        for (List<String> args : REFUSED) {
            String ours;
            try {
                new ConfigFile(new ServerConfig()).load(null, null, args);
                ours = "accepted";
            } catch (ConfigFile.FatalConfigError e) {
                ours = report(e.getMessage());
            }
            assertThat(ours).as("%s", args).isEqualTo(report(redisRefusal(args)));
        }
    }

    private static final List<List<String>> ACCEPTED = List.of(
            List.of("--maxmemory 700mb", "--maxmemory-policy volatile-lru"),
            List.of("--proc-title-template", "--my--title--template", "--loglevel", "verbose"),
            List.of("--proc-title-template --my--title--template", "--loglevel verbose"),
            List.of("--save", "--loglevel", "verbose"),
            List.of("--loglevel", "verbose", "--save"),
            List.of("--save", "", "--loglevel", "verbose"),
            List.of("--proc-title-template", "--save", "--save", "", "--loglevel", "verbose"),
            List.of("--shutdown-on-sigint", "nosave", "force", "now", "--shutdown-on-sigterm", "nosave force"));
    private static final List<String> SHOWN = List.of("maxmemory", "maxmemory-policy", "proc-title-template", "loglevel",
            "save", "shutdown-on-sigint", "shutdown-on-sigterm");

    @Test
    void optionsAreReadAsRedisReadsThem() throws Exception {
        for (List<String> args : ACCEPTED) {
            ServerConfig config = new ServerConfig();
            List<String> all = new ArrayList<>(List.of("--save", "")); // as RealRedis starts redis-server
            all.addAll(args);
            new ConfigFile(config).load(null, null, all);
            List<String> ours = new ArrayList<>();
            for (String name : SHOWN) {
                ours.add(name + "=" + config.entry(name).get());
            }
            List<String> redis = new ArrayList<>();
            try (RealRedis r = RealRedis.start(args.toArray(String[]::new)); RespClient c = r.client()) {
                for (String name : SHOWN) {
                    var kv = (dev.cinnabar.testkit.Resp.Agg) c.call("CONFIG", "GET", name);
                    redis.add(name + "=" + kv.items().get(1).asText());
                }
            }
            assertThat(ours).as("%s", args).containsExactlyElementsOf(redis);
        }
    }

    /** The line and the reason of a fatal config report (the version banner aside). */
    private static String report(String text) {
        List<String> keep = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith(">>> ") || (!keep.isEmpty() && !line.isBlank())) {
                keep.add(line.strip());
            }
        }
        return String.join(" / ", keep);
    }

    private static String redisRefusal(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(RealRedis.binary());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("redis-server accepted " + args);
        }
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
