package dev.cinnabar.tests.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cinnabar.server.Main;
import dev.cinnabar.server.config.ConfigFile;
import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up from a configuration file, in-process through the launcher's own code path
 * (Main.launch): the stock Debian redis.conf, pid and log files, command-line overrides, stdin,
 * Redis's fatal messages (compared with redis-server's), SHUTDOWN and CONFIG REWRITE (compared with
 * Redis's rewrite of the same file).
 */
class ConfigFileStartupTest {
    private static final InputStream NO_STDIN = new ByteArrayInputStream(new byte[0]);

    @TempDir
    Path tmp;

    private static void awaitClosed(Main.Launched l) throws Exception {
        l.stopped().get(10, TimeUnit.SECONDS);
        assertThat(l.server().isClosed()).isTrue();
    }

    @Test
    void debianStockConfigStartsWithOverridesAndShutsDown() throws Exception {
        Path stock = Path.of("/etc/redis/redis.conf");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(stock), "no /etc/redis/redis.conf");
        int port = Ports.free();
        Path log = tmp.resolve("redis.log");
        Path pid = tmp.resolve("redis.pid");
        Main.Launched l = Main.launch(new String[] {stock.toString(), "--port", Integer.toString(port), "--dir",
            tmp.toString(), "--logfile", log.toString(), "--pidfile", pid.toString(), "--daemonize", "no"},
                NO_STDIN, false);
        try (RespClient c = new RespClient(port)) {
            assertThat(c.call("PING").asText()).isEqualTo("PONG");
            assertThat(Files.readString(pid).trim()).isEqualTo(Long.toString(ProcessHandle.current().pid()));
            assertThat(c.call("CONFIG", "GET", "bind").toString()).contains("\"127.0.0.1 -::1\"");
            assertThat(c.call("CONFIG", "GET", "dir").toString()).contains(tmp.toString());
            assertThat(c.call("CONFIG", "GET", "logfile").toString()).contains(log.toString());
            assertThat(c.call("INFO", "server").asText()).contains("config_file:" + stock + "\r\n");
            assertThat(c.call("SHUTDOWN", "ABORT").toString()).isEqualTo("-ERR No shutdown in progress.");
            c.send("SHUTDOWN", "NOSAVE");
            awaitClosed(l);
        } finally {
            l.server().close();
        }
        assertThat(pid).doesNotExist();
        List<String> lines = Files.readAllLines(log);
        for (String line : lines) {
            assertThat(line).matches("\\d+:[CM] \\d\\d [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{3} [.\\-*#] .*");
        }
        assertThat(String.join("\n", lines)).contains("# Configuration loaded", "# User requested shutdown...",
                "* Removing the pid file.", "ready to exit, bye bye...");
        // the notice names exactly the file's directives whose behaviour is not built (fewer as they are)
        List<String> notices = l.configFile().unbuilt().notices();
        assertThat(notices).doesNotContain("appendonly", "timeout", "notify-keyspace-events", "hash-max-listpack-entries");
        for (String n : notices) {
            assertThat(l.server().context().config().entry(n).implemented()).as(n).isFalse();
        }
        if (!notices.isEmpty()) {
            assertThat(String.join("\n", lines)).contains("Directives accepted but not implemented yet");
        }
    }

    @Test
    void configFromStdinAndOptionsOverrideTheFile() throws Exception {
        Path conf = tmp.resolve("a.conf");
        Files.writeString(conf, "maxmemory 10mb\nhz 11\n");
        int port = Ports.free();
        InputStream stdin = new ByteArrayInputStream("hz 12\nmaxmemory-policy allkeys-lru\n".getBytes(StandardCharsets.UTF_8));
        Main.Launched l = Main.launch(new String[] {conf.toString(), "--port", Integer.toString(port), "--bind",
            "127.0.0.1", "--maxmemory", "20mb", "--save", "-"}, stdin, false);
        try (RespClient c = new RespClient(port)) {
            assertThat(c.call("CONFIG", "GET", "maxmemory").toString()).contains("\"20971520\"");
            assertThat(c.call("CONFIG", "GET", "hz").toString()).contains("\"12\"");
            assertThat(c.call("CONFIG", "GET", "maxmemory-policy").toString()).contains("\"allkeys-lru\"");
            assertThat(c.call("CONFIG", "GET", "save").toString()).contains("\"save\", \"\"");
        } finally {
            l.server().close();
        }
    }

    /** Runs redis-server with arguments that fail and returns its fatal message (without log lines). */
    private static String redisFatal(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(RealRedis.binary()));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int at = out.indexOf("\n*** FATAL");
        return at >= 0 ? out.substring(at).stripTrailing() : out.substring(out.indexOf("Fatal error")).stripTrailing();
    }

    @Test
    void fatalErrorsMatchRedisServer() throws Exception {
        RealRedis.assumeAvailable();
        Path conf = tmp.resolve("bad.conf");
        Files.writeString(conf, "port 0\n\n# comment\nmaxmemory 1x\n");
        Path conf2 = tmp.resolve("ok.conf");
        Files.writeString(conf2, "port 0\n");
        Path conf3 = tmp.resolve("rename.conf");
        Files.writeString(conf3, "port 0\nrename-command get fetch\nrename-command nosuch x\n");
        Path conf4 = tmp.resolve("rename2.conf");
        Files.writeString(conf4, "port 0\n\nrename-command get set\n");
        List<String[]> cases = List.of(
                new String[] {conf.toString()},
                new String[] {conf2.toString(), "--hz", "5", "--daemonize", "maybe"},
                new String[] {conf3.toString()},
                new String[] {conf4.toString()},
                new String[] {"--port", "0", "--save", "--hz"},
                new String[] {"--port", "0", "--foo", "bar"},
                new String[] {"--port", "0", "--client-output-buffer-limit", "master", "0", "0", "0"},
                new String[] {"--port", "0", "--maxmemory-policy", "x"},
                new String[] {"--port", "0", "--save", "60 x"},
                new String[] {"--port", "0", "--save", "60 1 30"},
                new String[] {"--port", "0", "--include", tmp.resolve("missing.conf").toString()});
        for (String[] args : cases) {
            String expected = redisFatal(tmp, args);
            assertThatThrownBy(() -> Main.launch(args, NO_STDIN, false)).as(String.join(" ", args))
                    .isInstanceOf(ConfigFile.FatalConfigError.class).hasMessage(expected);
        }
    }

    /** The lines before the marker, and the set of appended lines, ignoring what differs by start-up. */
    private static List<Object> normalise(String text, int port) {
        List<String> before = new ArrayList<>();
        Set<String> after = new HashSet<>(); // Redis appends in its hash table's order
        boolean appended = false;
        for (String line : text.split("\n", -1)) {
            line = line.replace("port " + port, "port P");
            if (line.startsWith("dir ") || line.startsWith("logfile ") || line.startsWith("user ")) {
                continue;
            }
            if (line.equals("# Generated by CONFIG REWRITE")) {
                appended = true;
            } else if (appended) {
                after.add(line);
            } else {
                before.add(line);
            }
        }
        return List.of(before, after);
    }

    @Test
    void configRewriteMatchesRedis() throws Exception {
        String base = "# my settings\nport %d\nslaveof 127.0.0.1 1\nsave 900 1\nsave 300 10\nmaxmemory 0\n"
                + "hash-max-ziplist-entries 100\nrename-command flushall \"\"\n\n"
                + "client-output-buffer-limit normal 0 0 0\nclient-output-buffer-limit replica 256mb 64mb 60\n"
                + "bind 127.0.0.1\n# end\n";
        List<List<String>> sets = List.of(List.of("maxmemory", "2gb"), List.of("save", "60 5"),
                List.of("notify-keyspace-events", "KEA"), List.of("client-output-buffer-limit", "pubsub 1mb 2mb 3"),
                List.of("maxmemory-policy", "allkeys-lru"), List.of("hz", "10"), List.of("timeout", "7"));
        Path theirsDir = Files.createDirectories(tmp.resolve("theirs"));
        Path oursDir = Files.createDirectories(tmp.resolve("ours"));
        RealRedis.assumeAvailable();
        int theirPort = Ports.free();
        Path theirConf = theirsDir.resolve("r.conf");
        Files.writeString(theirConf, String.format(base, theirPort));
        Process p = new ProcessBuilder(RealRedis.binary(), theirConf.toString(), "--replicaof", "no", "one",
                "--dir", theirsDir.toString(), "--logfile", theirsDir.resolve("log").toString()).start();
        String theirs;
        try {
            try (RespClient c = awaitClient(theirPort)) {
                for (List<String> s : sets) {
                    assertThat(c.call("CONFIG", "SET", s.get(0), s.get(1)).asText()).isEqualTo("OK");
                }
                assertThat(c.call("CONFIG", "REWRITE").asText()).isEqualTo("OK");
                theirs = Files.readString(theirConf);
                c.send("SHUTDOWN", "NOSAVE");
            }
        } finally {
            p.destroy();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        int ourPort = Ports.free();
        Path ourConf = oursDir.resolve("r.conf");
        Files.writeString(ourConf, String.format(base, ourPort));
        Main.Launched l = Main.launch(new String[] {ourConf.toString(), "--replicaof", "no", "one", "--dir",
            oursDir.toString(), "--logfile", oursDir.resolve("log").toString()}, NO_STDIN, false);
        try (RespClient c = new RespClient(ourPort)) {
            for (List<String> s : sets) {
                assertThat(c.call("CONFIG", "SET", s.get(0), s.get(1)).asText()).isEqualTo("OK");
            }
            assertThat(c.call("CONFIG", "REWRITE").asText()).isEqualTo("OK");
        } finally {
            l.server().close();
        }
        String ours = Files.readString(ourConf);
        assertThat(normalise(ours, ourPort)).isEqualTo(normalise(theirs, theirPort));
    }

    /**
     * DEBUG CONFIG-REWRITE-FORCE-ALL writes the lines Redis writes (every directive, defaults too,
     * but none for those without a value), and a server started from the file has the same
     * configuration. Without a config file it fails with Redis's text.
     */
    @Test
    void forcedRewriteWritesWhatRedisWritesAndRestartsTheSame() throws Exception {
        String base = "port %d\nsave \"\"\nenable-debug-command yes\nmaxmemory 1gb\n";
        RealRedis.assumeAvailable();
        Path theirsDir = Files.createDirectories(tmp.resolve("theirs-all"));
        Path oursDir = Files.createDirectories(tmp.resolve("ours-all"));
        int theirPort = Ports.free();
        Path theirConf = theirsDir.resolve("r.conf");
        Files.writeString(theirConf, String.format(base, theirPort));
        Process p = new ProcessBuilder(RealRedis.binary(), theirConf.toString(), "--dir", theirsDir.toString(),
                "--logfile", "").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        int ourPort = Ports.free();
        Path ourConf = oursDir.resolve("r.conf");
        Files.writeString(ourConf, String.format(base, ourPort));
        String[] args = {ourConf.toString(), "--dir", oursDir.toString(), "--logfile", ""};
        Set<String> theirs;
        Set<String> ours;
        String before;
        try (RespClient c = awaitClient(theirPort)) {
            assertThat(c.call("DEBUG", "CONFIG-REWRITE-FORCE-ALL").asText()).isEqualTo("OK");
            theirs = directiveLines(Files.readString(theirConf), theirPort, theirsDir);
            Main.Launched l = Main.launch(args, NO_STDIN, false);
            try (RespClient o = new RespClient(ourPort)) {
                assertThat(o.call("DEBUG", "CONFIG-REWRITE-FORCE-ALL").asText()).isEqualTo("OK");
                before = o.call("CONFIG", "GET", "*").toString();
            } finally {
                l.server().close();
            }
            ours = directiveLines(Files.readString(ourConf), ourPort, oursDir);
            // our own directives (metrics-port...) are not Redis's to write
            ours.removeIf(line -> !line.startsWith("user ")
                    && ((dev.cinnabar.testkit.Resp.Agg) c.call("CONFIG", "GET", line.split(" ")[0])).items().isEmpty());
            c.send("SHUTDOWN", "NOSAVE");
        } finally {
            p.destroy();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        assertThat(new java.util.TreeSet<>(ours)).containsExactlyElementsOf(new java.util.TreeSet<>(theirs));
        Main.Launched l = Main.launch(args, NO_STDIN, false);
        try (RespClient c = new RespClient(ourPort)) {
            assertThat(c.call("CONFIG", "GET", "*").toString()).isEqualTo(before);
        } finally {
            l.server().close();
        }
    }

    @Test
    void forcedRewriteWithoutAConfigFileFailsAsRedis() throws Exception {
        RealRedis.assumeAvailable();
        try (RealRedis redis = RealRedis.start("--enable-debug-command", "yes")) {
            Main.Launched l = Main.launch(new String[] {"--port", String.valueOf(Ports.free()), "--save", "",
                "--enable-debug-command", "yes", "--dir", tmp.toString()}, NO_STDIN, false);
            try (RespClient theirs = new RespClient(redis.port()); RespClient ours = new RespClient(l.server().port())) {
                assertThat(ours.call("DEBUG", "CONFIG-REWRITE-FORCE-ALL").toString())
                        .isEqualTo(theirs.call("DEBUG", "CONFIG-REWRITE-FORCE-ALL").toString());
            } finally {
                l.server().close();
            }
        }
    }

    /** The directive lines of a rewritten file, port and dir made neutral. */
    private static Set<String> directiveLines(String text, int port, Path dir) {
        Set<String> lines = new HashSet<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                lines.add(line.replace("port " + port, "port P").replace(dir.toString(), "DIR"));
            }
        }
        return lines;
    }

    private static RespClient awaitClient(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                RespClient c = new RespClient("127.0.0.1", port, 1000);
                c.call("PING");
                return c;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    @Test
    void renameCommandAsRedis() throws Exception {
        Path conf = tmp.resolve("r.conf");
        Files.writeString(conf, "rename-command get fetch\nrename-command flushall \"\"\n");
        int port = Ports.free();
        Main.Launched l = Main.launch(new String[] {conf.toString(), "--port", Integer.toString(port), "--bind",
            "127.0.0.1"}, NO_STDIN, false);
        try (RealRedis real = RealRedis.start("--rename-command", "get", "fetch", "--rename-command", "flushall", "");
             RespClient ours = new RespClient(port); RespClient theirs = real.client()) {
            for (List<String> cmd : List.of(List.of("SET", "k", "v"), List.of("GET", "k"), List.of("FETCH", "k"),
                    List.of("fetch", "k"), List.of("FLUSHALL"))) {
                assertThat(ours.call(cmd)).as(cmd.toString()).isEqualTo(theirs.call(cmd));
            }
        } finally {
            l.server().close();
        }
    }

    /** Multi-argument directives given as one argument are split as Redis splits them. */
    @Test
    void multiArgumentDirectiveGivenAsOneArgument() throws Exception {
        String[] args = {"--bind", "127.0.0.1", "--save", "60 1 30 2", "--save", "10 5",
            "--latency-tracking-info-percentiles", "50 99", "--client-output-buffer-limit", "pubsub 1mb 2mb 3"};
        int port = Ports.free();
        String[] ourArgs = new String[args.length + 2];
        System.arraycopy(args, 0, ourArgs, 0, args.length);
        ourArgs[args.length] = "--port";
        ourArgs[args.length + 1] = Integer.toString(port);
        Main.Launched l = Main.launch(ourArgs, NO_STDIN, false);
        try (RealRedis real = RealRedis.start(args); RespClient ours = new RespClient(port);
             RespClient theirs = real.client()) {
            for (String name : List.of("save", "latency-tracking-info-percentiles", "client-output-buffer-limit")) {
                assertThat(ours.call("CONFIG", "GET", name)).as(name).isEqualTo(theirs.call("CONFIG", "GET", name));
            }
        } finally {
            l.server().close();
        }
    }

    /** Port 0 is no TCP listener, as in Redis: with nowhere else to listen, start-up fails. */
    @Test
    void portZeroListensNowhere() throws Exception {
        Path log = tmp.resolve("p0.log");
        assertThatThrownBy(() -> Main.launch(new String[] {"--port", "0", "--logfile", log.toString()}, NO_STDIN,
                false)).isInstanceOf(IllegalStateException.class);
        assertThat(Files.readString(log)).contains("# Configured to not listen anywhere, exiting.");
        RealRedis.assumeAvailable();
        Process p = new ProcessBuilder(RealRedis.binary(), "--port", "0").redirectErrorStream(true).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .contains("# Configured to not listen anywhere, exiting.");
    }

    /** CONFIG SET port 0 closes the listener (connections already open stay), as Redis does. */
    @Test
    void configSetPortZeroClosesTheListener() throws Exception {
        int port = Ports.free();
        Main.Launched l = Main.launch(new String[] {"--port", Integer.toString(port), "--bind", "127.0.0.1"},
                NO_STDIN, false);
        try (RespClient c = new RespClient(port)) {
            assertThat(c.call("CONFIG", "SET", "port", "0").asText()).isEqualTo("OK");
            assertThat(c.call("CONFIG", "GET", "port").toString()).contains("\"0\"");
            assertThatThrownBy(() -> new RespClient(port).close()).isInstanceOf(RuntimeException.class);
            int port2 = Ports.free();
            assertThat(c.call("CONFIG", "SET", "port", Integer.toString(port2)).asText()).isEqualTo("OK");
            try (RespClient c2 = new RespClient(port2)) {
                assertThat(c2.call("PING").asText()).isEqualTo("PONG");
            }
        } finally {
            l.server().close();
        }
    }

    /**
     * Start-up names exactly the directives given that do nothing here: a notice for ordinary
     * ones, a warning for those a user relies on for safety (unless given the value that needs
     * nothing), nothing for directives that work.
     */
    @Test
    void startupReportsExactlyTheUnbuiltDirectives() throws Exception {
        Path conf = tmp.resolve("u.conf");
        Files.writeString(conf, "user alice on >pw ~* +@all\nappendonly no\nsave \"\"\ntimeout 5\n"
                + "notify-keyspace-events KEA\nhash-max-listpack-entries 100\nlazyfree-lazy-eviction yes\n"
                + "cluster-node-timeout 5000\nmaxmemory 1mb\n");
        Path log = tmp.resolve("u.log");
        int port = Ports.free();
        Main.Launched l = Main.launch(new String[] {conf.toString(), "--port", Integer.toString(port), "--bind",
            "127.0.0.1", "--logfile", log.toString(), "--maxmemory-clients", "1mb", "--cluster-enabled", "yes", "--min-replicas-to-write", "1"}, NO_STDIN, false);
        l.server().close();
        String text = Files.readString(log);
        // what is built (user lines, save, maxmemory, maxmemory-clients, min-replicas-to-write,
        // lazyfree-lazy-eviction...) is not mentioned
        assertThat(text).contains("# WARNING: 'cluster-enabled yes' was accepted but its behaviour is not implemented yet",
                "* Directives accepted but not implemented yet (their values are kept and reported): "
                        + "cluster-node-timeout\n")
                .doesNotContain("'save", "timeout,", "notify-keyspace-events,", "'user' line", "'maxmemory ", "maxmemory-clients",
                        "min-replicas-to-write", "lazyfree-lazy-eviction");
        Path quiet = tmp.resolve("q.log");
        Main.Launched q = Main.launch(new String[] {"--port", Integer.toString(Ports.free()), "--bind", "127.0.0.1",
            "--logfile", quiet.toString(), "--save", "", "--appendonly", "no", "--timeout", "3",
            "--busy-reply-threshold", "6000", "--zset-max-listpack-entries", "64", "--always-show-logo", "no"},
                NO_STDIN, false);
        q.server().close();
        assertThat(Files.readString(quiet)).doesNotContain("WARNING", "not implemented");
    }

    /** always-show-logo prints a banner with the PID (harnesses find spawned servers by it). */
    @Test
    void logoShowsThePid() throws Exception {
        Path log = tmp.resolve("logo.log");
        int port = Ports.free();
        Main.launch(new String[] {"--port", Integer.toString(port), "--bind", "127.0.0.1", "--logfile",
            log.toString(), "--always-show-logo", "yes"}, NO_STDIN, false).server().close();
        assertThat(Files.readString(log)).contains(" PID: " + ProcessHandle.current().pid() + "\n",
                " Port: " + port + "\n", "Running in standalone mode");
        Path plain = tmp.resolve("plain.log");
        Main.launch(new String[] {"--port", Integer.toString(port), "--bind", "127.0.0.1", "--logfile",
            plain.toString()}, NO_STDIN, false).server().close();
        assertThat(Files.readString(plain)).contains("* Running mode=standalone, port=" + port + ".\n")
                .doesNotContain(" PID: ");
    }

    /** Sends one command over a Unix domain socket and returns the raw reply. */
    private static String unixCall(Path socket, String... args) throws Exception {
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(
                java.net.StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(socket));
            byte[][] argv = new byte[args.length][];
            for (int i = 0; i < args.length; i++) {
                argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
            }
            ch.write(java.nio.ByteBuffer.wrap(RespClient.encode(argv)));
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4096);
            ch.read(buf);
            return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        }
    }

    /**
     * unixsocket: a second listener, the only one with port 0 (Redis's meaning); unixsocketperm sets
     * its mode; the file is removed at shutdown. bind "" closes TCP (CONFIG GET shows "", REWRITE
     * writes bind ""), as Redis.
     */
    @Test
    void unixSocketAndEmptyBind() throws Exception {
        Path sock = tmp.resolve("s.sock");
        Path conf = tmp.resolve("unix.conf");
        Files.writeString(conf, "port 0\n");
        Main.Launched l = Main.launch(new String[] {conf.toString(), "--unixsocket", sock.toString(),
            "--unixsocketperm", "700", "--logfile", tmp.resolve("unix.log").toString()}, NO_STDIN, false);
        try {
            assertThat(unixCall(sock, "PING")).isEqualTo("+PONG\r\n");
            // as Redis 7.0 prints a Unix socket client: the path and ":0" at both ends, flag U
            assertThat(unixCall(sock, "CLIENT", "INFO")).contains(" addr=" + sock + ":0 laddr=" + sock + ":0 ",
                    " flags=U ");
            assertThat(Files.getPosixFilePermissions(sock)).isEqualTo(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            int port = Ports.free();
            assertThat(unixCall(sock, "CONFIG", "SET", "port", Integer.toString(port))).isEqualTo("+OK\r\n");
            try (RespClient c = new RespClient(port)) {
                assertThat(c.call("PING").asText()).isEqualTo("PONG");
            }
            assertThat(unixCall(sock, "CONFIG", "SET", "bind", "")).isEqualTo("+OK\r\n");
            assertThat(unixCall(sock, "CONFIG", "GET", "bind")).isEqualTo("*2\r\n$4\r\nbind\r\n$0\r\n\r\n");
            assertThatThrownBy(() -> new RespClient(port).close()).isInstanceOf(RuntimeException.class);
            assertThat(unixCall(sock, "CONFIG", "REWRITE")).isEqualTo("+OK\r\n");
            assertThat(Files.readString(conf)).contains("\nbind \"\"\n");
        } finally {
            l.server().close();
        }
        assertThat(sock).doesNotExist();
        assertThat(Files.readString(tmp.resolve("unix.log"))).contains(
                "* The server is now ready to accept connections at " + sock, "* Removing the unix socket file.");
    }

    /**
     * The start-up lines from loading to ready in Redis's order: the RDB's lines, then "Ready to
     * accept connections", then the unix socket's line (before, ours said it was ready before loading).
     */
    @Test
    void readyIsLoggedAfterTheLoadAsRedis() throws Exception {
        RealRedis.assumeAvailable();
        List<String> logs = new ArrayList<>();
        for (String who : List.of("redis", "ours")) {
            Path dir = Files.createDirectories(tmp.resolve("ready-" + who));
            Path log = dir.resolve("log");
            Path sock = dir.resolve("s.sock");
            int port = Ports.free();
            String[] args = {"--port", Integer.toString(port), "--bind", "127.0.0.1", "--dir", dir.toString(),
                "--unixsocket", sock.toString(), "--logfile", log.toString(), "--save", ""};
            for (int run = 0; run < 2; run++) { // the first run saves a dump.rdb, the second loads it
                if (who.equals("redis")) {
                    List<String> cmd = new ArrayList<>(List.of(RealRedis.binary()));
                    cmd.addAll(Arrays.asList(args));
                    Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    try (RespClient c = awaitClient(port)) {
                        c.call("SET", "k", "v");
                        c.send("SHUTDOWN", run == 0 ? "SAVE" : "NOSAVE");
                    } finally {
                        p.waitFor(10, TimeUnit.SECONDS);
                        p.destroy();
                    }
                } else {
                    Main.Launched l = Main.launch(args, NO_STDIN, false);
                    try (RespClient c = new RespClient(port)) {
                        c.call("SET", "k", "v");
                        if (run == 0) {
                            c.call("SAVE");
                        }
                    } finally {
                        l.server().close();
                    }
                }
            }
            String text = Files.readString(log);
            List<String> lines = new ArrayList<>();
            for (String line : text.substring(text.lastIndexOf("Loading RDB produced")).split("\n")) {
                String msg = line.replaceAll("^.*? [*#.-] ", "");
                if (msg.startsWith("Done loading RDB") || msg.startsWith("DB loaded from disk") || msg.contains("accept")) {
                    lines.add(msg.replace(sock.toString(), "SOCK").replaceAll("[0-9.]+ seconds", "N seconds"));
                }
            }
            logs.add(String.join("\n", lines));
        }
        assertThat(logs.get(1)).isEqualTo(logs.get(0));
    }
}
