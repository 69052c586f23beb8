package dev.cinnabar.ops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * One instance of a host's layout, as the design notes' scripts lay them out under a root:
 * {@code instances/redis-PORT.conf}, {@code data/PORT/}, {@code log/redis-PORT.log},
 * {@code run/redis_PORT.pid}. What the tool needs to reach it (address, password) and to know
 * whether it runs (pidfile, PING) is read from its configuration file.
 */
record Instance(int port, Path conf, String host, String password, Path pidfile, Path logfile, boolean daemonize) {
    private static final Pattern NAME = Pattern.compile("redis-(\\d+)\\.conf");

    static Path confDir(Path root) {
        return root.resolve("instances");
    }

    /** The instances of a root, by port; only {@code ports} when not empty. */
    static List<Instance> all(Path root, List<Integer> ports) throws IOException {
        Path dir = confDir(root);
        if (!Files.isDirectory(dir)) {
            throw new IOException("no instances under " + root + " (" + dir + " does not exist): create them first "
                    + "with `cinnabar instances create --root " + root + " ...`");
        }
        List<Instance> out = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path p : files.sorted().toList()) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    out.add(load(p));
                }
            }
        }
        out.sort(java.util.Comparator.comparingInt(Instance::port));
        if (!ports.isEmpty()) {
            for (int port : ports) {
                if (out.stream().noneMatch(i -> i.port() == port)) {
                    throw new IOException("no instance with port " + port + " under " + dir);
                }
            }
            out.removeIf(i -> !ports.contains(i.port()));
        }
        return out;
    }

    static Instance load(Path conf) throws IOException {
        ConfFile f = ConfFile.read(conf);
        int port = Integer.parseInt(f.value("port", "6379"));
        List<String> bind = f.args("bind");
        String host = bind == null || bind.isEmpty() ? "127.0.0.1" : bind.get(0);
        host = host.startsWith("-") ? host.substring(1) : host;
        if (host.equals("*") || host.equals("0.0.0.0")) {
            host = "127.0.0.1";
        } else if (host.equals("::*") || host.equals("::")) {
            host = "::1";
        }
        String pid = f.value("pidfile", null);
        String log = f.value("logfile", null);
        return new Instance(port, conf, host, f.value("requirepass", null), pid == null ? null : Path.of(pid),
                log == null ? null : Path.of(log), f.value("daemonize", "no").equalsIgnoreCase("yes"));
    }

    /** The pid from the pidfile when that process is alive. */
    Optional<Long> pid() {
        if (pidfile == null || !Files.isRegularFile(pidfile)) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(Files.readString(pidfile, StandardCharsets.US_ASCII).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(ProcessHandle::pid);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** A connection (AUTH with requirepass when set); 2 s timeouts. */
    Jedis connect() {
        return connect(host, port, password);
    }

    static Jedis connect(String host, int port, String password) {
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder().connectionTimeoutMillis(2000)
                .socketTimeoutMillis(2000);
        if (password != null) {
            b.password(password);
        }
        return new Jedis(new HostAndPort(host, port), b.build());
    }

    /** True when the instance answers PING. */
    boolean answers() {
        try (Jedis j = connect()) {
            return "PONG".equals(j.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    String address() {
        return host + ":" + port;
    }
}
