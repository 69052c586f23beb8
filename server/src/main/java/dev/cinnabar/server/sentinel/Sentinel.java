package dev.cinnabar.server.sentinel;

import dev.cinnabar.server.Log;
import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.ServerCron;
import dev.cinnabar.server.config.ConfigFile;
import dev.cinnabar.server.config.ConfigRewrite;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.pubsub.PubSub;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Redis Sentinel, speaking Redis 7.0's protocol so it forms one quorum with real redis-sentinel
 * processes (docs/architecture.md, "Sentinel").
 *
 * <p>State: the masters monitored, each with its replicas (found in the master's INFO) and the
 * other Sentinels (found by their hello messages on {@value #HELLO_CHANNEL}), the current epoch,
 * this Sentinel's id. All of it is mutated under the server's execution lock: by the timer (a cron
 * task), by the links' reply callbacks ({@link Link}) and by SENTINEL commands.
 *
 * <p>The timer does what Redis's sentinelTimer does, once per cron cycle: TILT detection, then per
 * master and its instances: reconnect links, send PING / INFO / hello at their periods, check
 * SDOWN, and for masters ODOWN, the failover state machine and the questions to the other
 * Sentinels (SENTINEL is-master-down-by-addr, which also carries vote requests).
 */
public final class Sentinel {
    public static final int DEFAULT_PORT = 26379;
    static final String HELLO_CHANNEL = "__sentinel__:hello";
    static final int MAX_PENDING_COMMANDS = 100;
    static final long MAX_DESYNC = 1000;
    /** Redis's CONFIG_DEFAULT_HZ, the base of the sentinel timer's randomised frequency. */
    static final int DEFAULT_HZ = 10;
    static final long INFO_VALIDITY_TIME = 5000;

    private final ServerContext server;
    private final ServerConfig config;
    final Map<String, Instance> masters = new LinkedHashMap<>();
    String myid;
    long currentEpoch;
    boolean tilt;
    long tiltStartTime = -1;
    long previousTime;
    String announceIp = "";
    int announcePort;
    boolean denyScriptsReconfig = true;
    boolean resolveHostnames;
    boolean announceHostnames;
    String sentinelUser;
    String sentinelPass;
    /** SENTINEL SIMULATE-FAILURE flags. */
    int simfailureFlags;
    static final int SIMFAILURE_CRASH_AFTER_ELECTION = 1;
    static final int SIMFAILURE_CRASH_AFTER_PROMOTION = 2;
    private boolean started;
    private final long[] timing = new long[Timing.values().length];

    {
        for (Timing t : Timing.values()) {
            timing[t.ordinal()] = t.defaultValue;
        }
    }

    /** A period or timeout now (SENTINEL DEBUG may have changed it). */
    long t(Timing which) {
        return timing[which.ordinal()];
    }

    void t(Timing which, long value) {
        timing[which.ordinal()] = value;
    }

    Sentinel(ServerContext server, ServerConfig config) {
        this.server = server;
        this.config = config;
    }

    /** Creates the Sentinel of a server in sentinel mode and its timer; {@link #start} starts it. */
    public static void install(ServerContext ctx, ServerCron cron) {
        Sentinel s = new Sentinel(ctx, ctx.config());
        ctx.featureIfAbsent(Sentinel.class, s);
        ctx.log().role('X');
        try {
            s.load(ctx.config());
        } catch (ConfigFile.FatalConfigError e) {
            throw new IllegalStateException(e.getMessage());
        }
        ctx.config().sentinelLines = s::configLines;
        ctx.config().save = List.of(); // a sentinel has no dataset
        cron.add(now -> {
            s.timer(now);
            // as Redis's sentinelTimer: a new frequency, 10 to 19 Hz, every cycle, so that sentinels
            // started together do not stay in step (and ask for votes at the same moments)
            cron.nextHz(DEFAULT_HZ + ThreadLocalRandom.current().nextInt(DEFAULT_HZ));
        });
        ctx.addShutdownListener(s::closeLinks);
    }

    /** The server stops: every link to the watched instances closes. */
    private void closeLinks() {
        server.lock().lock();
        try {
            started = false;
            scripts.killAll();
            for (Instance m : masters.values()) {
                m.closeLinks();
                m.slaves.values().forEach(Instance::closeLinks);
                m.sentinels.values().forEach(Instance::closeLinks);
            }
        } finally {
            server.lock().unlock();
        }
    }

    /** Started and not stopped: links may be made. */
    boolean running() {
        return started;
    }

    public static Sentinel of(ServerContext ctx) {
        return ctx.featureIfCreated(Sentinel.class);
    }

    // ------------------------------------------------------------------ configuration

    /** Reads the "sentinel" lines; the first bad one is fatal, with Redis's message. */
    void load(ServerConfig cfg) throws ConfigFile.FatalConfigError {
        // as Redis: the global options first, then the monitor lines, then the rest, so a file may
        // name a master's options before its monitor line
        List<ServerConfig.SentinelDirective> ordered = new ArrayList<>();
        for (int pass = 0; pass < 3; pass++) {
            for (ServerConfig.SentinelDirective d : cfg.sentinelDirectives) {
                String op = d.args().get(0).toLowerCase(Locale.ROOT);
                int kind = PRE_MONITOR.contains(op) ? 0 : op.equals("monitor") ? 1 : 2;
                if (kind == pass) {
                    ordered.add(d);
                }
            }
        }
        for (ServerConfig.SentinelDirective d : ordered) {
            String err = directive(d.args());
            if (err != null) {
                throw ConfigFile.fatal(d.line(), d.text(), err);
            }
        }
    }

    private static long atoi(String s) {
        // C's atoi/strtoll: leading digits, garbage ends the number
        int i = 0;
        boolean neg = false;
        s = s.strip();
        if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            neg = s.charAt(i) == '-';
            i++;
        }
        long v = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i)) && v < Long.MAX_VALUE / 10) {
            v = v * 10 + (s.charAt(i) - '0');
            i++;
        }
        return neg ? -v : v;
    }

    /** The per-master directives and their argument count (the name included); known-sentinel takes 4 or 5. */
    private static final Map<String, Integer> PER_MASTER = Map.ofEntries(
            Map.entry("down-after-milliseconds", 3), Map.entry("failover-timeout", 3), Map.entry("parallel-syncs", 3),
            Map.entry("notification-script", 3), Map.entry("client-reconfig-script", 3), Map.entry("auth-pass", 3),
            Map.entry("auth-user", 3), Map.entry("config-epoch", 3), Map.entry("leader-epoch", 3),
            Map.entry("known-slave", 4), Map.entry("known-replica", 4), Map.entry("known-sentinel", 4),
            Map.entry("rename-command", 4), Map.entry("master-reboot-down-after-period", 3));
    private static final java.util.Set<String> PRE_MONITOR = java.util.Set.of("announce-ip", "announce-port",
            "deny-scripts-reconfig", "sentinel-user", "sentinel-pass", "current-epoch", "myid", "resolve-hostnames",
            "announce-hostnames");
    private static final String UNRECOGNIZED = "Unrecognized sentinel configuration statement.";

    /** One "sentinel" line; Redis's error text, or null. */
    private String directive(List<String> a) {
        String op = a.get(0).toLowerCase(Locale.ROOT);
        int argc = a.size();
        Integer wanted = PER_MASTER.get(op);
        if (wanted != null) {
            if (argc != wanted && !(op.equals("known-sentinel") && argc == 5)) {
                return UNRECOGNIZED;
            }
            Instance m = masters.get(a.get(1));
            return m == null ? "No such master with specified name." : masterDirective(op, m, a);
        }
        switch (op) {
            case "monitor" -> {
                if (argc != 5) {
                    break;
                }
                int quorum = (int) atoi(a.get(4));
                if (quorum <= 0) {
                    return "Quorum must be 1 or greater.";
                }
                return createMaster(a.get(1), a.get(2), (int) atoi(a.get(3)), quorum);
            }
            case "current-epoch" -> {
                if (argc != 2) {
                    break;
                }
                currentEpoch = Math.max(currentEpoch, parseEpoch(a.get(1)));
                return null;
            }
            case "myid" -> {
                if (argc != 2) {
                    break;
                }
                if (a.get(1).length() != 40) {
                    return "Malformed Sentinel id in myid option.";
                }
                myid = a.get(1);
                return null;
            }
            case "announce-ip" -> {
                if (argc != 2) {
                    break;
                }
                announceIp = a.get(1);
                return null;
            }
            case "announce-port" -> {
                if (argc != 2) {
                    break;
                }
                announcePort = (int) atoi(a.get(1));
                return null;
            }
            case "deny-scripts-reconfig", "resolve-hostnames", "announce-hostnames" -> {
                if (argc != 2) {
                    break;
                }
                Boolean v = yesNo(a.get(1));
                if (v == null) {
                    return op.equals("deny-scripts-reconfig")
                            ? "Please specify yes or no for the deny-scripts-reconfig options."
                            : "Please specify yes or no for the " + op + " option.";
                }
                switch (op) {
                    case "deny-scripts-reconfig" -> denyScriptsReconfig = v;
                    case "resolve-hostnames" -> resolveHostnames = v;
                    default -> announceHostnames = v;
                }
                return null;
            }
            case "sentinel-user", "sentinel-pass" -> {
                if (argc != 2) {
                    break;
                }
                String v = a.get(1).isEmpty() ? null : a.get(1);
                if (op.equals("sentinel-user")) {
                    sentinelUser = v;
                } else {
                    sentinelPass = v;
                }
                return null;
            }
            default -> {
            }
        }
        return UNRECOGNIZED;
    }

    private String masterDirective(String op, Instance m, List<String> a) {
        switch (op) {
            case "down-after-milliseconds", "failover-timeout" -> {
                long v = atoi(a.get(2));
                if (v <= 0) {
                    return "negative or zero time parameter.";
                }
                if (op.equals("failover-timeout")) {
                    m.failoverTimeout = v;
                } else {
                    setDownAfter(m, v);
                }
            }
            case "parallel-syncs" -> m.parallelSyncs = (int) atoi(a.get(2));
            case "notification-script", "client-reconfig-script" -> {
                if (!java.nio.file.Files.isExecutable(scriptPath(a.get(2)))) {
                    return op.equals("notification-script")
                            ? "Notification script seems non existing or non executable."
                            : "Client reconfiguration script seems non existing or non executable.";
                }
                if (op.equals("notification-script")) {
                    m.notificationScript = a.get(2);
                } else {
                    m.clientReconfigScript = a.get(2);
                }
            }
            case "auth-pass" -> m.authPass = a.get(2);
            case "auth-user" -> m.authUser = a.get(2);
            case "config-epoch" -> {
                m.configEpoch = parseEpoch(a.get(2));
                currentEpoch = Math.max(currentEpoch, m.configEpoch);
            }
            case "leader-epoch" -> m.leaderEpoch = parseEpoch(a.get(2));
            case "known-slave", "known-replica" -> {
                if (addSlave(m, a.get(2), (int) atoi(a.get(3))) == null) {
                    return "Wrong hostname or port for replica.";
                }
            }
            case "known-sentinel" -> {
                String host = a.get(2);
                String ip = resolve(host);
                int port = (int) atoi(a.get(3));
                if (ip == null || port < 0 || port > 65535) {
                    return "Wrong hostname or port for sentinel.";
                }
                // named by its id (as in hellos), by its address while the id is unknown
                String id = a.size() == 5 ? a.get(4) : null;
                Instance s = born(new Instance(Instance.Kind.SENTINEL, id != null ? id : Instance.addrKey(ip, port),
                        host, ip, port, m));
                s.runid = id;
                m.sentinels.put(s.name, s);
            }
            case "rename-command" -> m.renamedCommands.put(a.get(2).toLowerCase(Locale.ROOT), a.get(3));
            case "master-reboot-down-after-period" -> {
                long v = atoi(a.get(2));
                if (v < 0) {
                    return "negative time parameter.";
                }
                m.masterRebootDownAfterPeriod = v;
            }
            default -> {
                return UNRECOGNIZED;
            }
        }
        return null;
    }

    static Boolean yesNo(String s) {
        if (s.equalsIgnoreCase("yes")) {
            return true;
        }
        if (s.equalsIgnoreCase("no")) {
            return false;
        }
        return null;
    }

    private static long parseEpoch(String s) {
        long v = atoi(s);
        return Math.max(0, v);
    }

    /**
     * The IP of a host: an IP literal as it is, a name resolved now under resolve-hostnames yes;
     * null (and a warning logged) if neither.
     */
    String resolve(String host) {
        String ip = ipOf(host);
        if (ip == null) {
            log(Log.WARNING, "Failed to resolve hostname '" + host + "'");
        }
        return ip;
    }

    private String ipOf(String host) {
        boolean literal = host.matches("[0-9.]+") || host.indexOf(':') >= 0;
        if (!literal && !resolveHostnames) {
            return null;
        }
        try {
            return InetAddress.getByName(host).getHostAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Whether host (a name or an IP, as an instance reports it) is the instance's address (Redis compares IPs). */
    boolean addrEqualsHostname(Instance ri, String host) {
        String ip = host == null ? null : ipOf(host);
        return ip != null && ip.equalsIgnoreCase(ri.ip);
    }

    /** An instance's address as shown to others: its host under announce-hostnames yes, its IP otherwise. */
    String announced(Instance ri) {
        return announceHostnames ? ri.hostname : ri.ip;
    }

    /** Adds a master; returns Redis's error text, or null. */
    String createMaster(String name, String host, int port, int quorum) {
        if (port < 0 || port > 65535) {
            return "Invalid port number";
        }
        if (masters.containsKey(name)) {
            return "Duplicate master name.";
        }
        String ip = resolve(host);
        if (ip == null) {
            return "Can't resolve instance hostname.";
        }
        Instance m = born(new Instance(Instance.Kind.MASTER, name, host, ip, port, null));
        m.quorum = quorum;
        m.downAfterPeriod = t(Timing.DEFAULT_DOWN_AFTER);
        m.failoverTimeout = t(Timing.DEFAULT_FAILOVER_TIMEOUT);
        masters.put(name, m);
        return null;
    }

    Instance addSlave(Instance m, String host, int port) {
        String ip = resolve(host);
        if (ip == null || port < 0 || port > 65535) {
            return null;
        }
        // named by the address as announced when it is first seen, as Redis's
        String key = Instance.addrKey(announceHostnames ? host : ip, port);
        Instance s = m.slaves.get(key);
        if (s == null) {
            s = born(new Instance(Instance.Kind.SLAVE, key, host, ip, port, m));
            s.downAfterPeriod = m.downAfterPeriod;
            m.slaves.put(key, s);
        }
        return s;
    }

    void setDownAfter(Instance m, long v) {
        m.downAfterPeriod = v;
        for (Instance s : m.slaves.values()) {
            s.downAfterPeriod = v;
        }
        for (Instance s : m.sentinels.values()) {
            s.downAfterPeriod = v;
        }
    }

    /** The "sentinel" lines of the configuration file, as Redis writes them. */
    List<String> configLines() {
        List<String> out = new ArrayList<>();
        out.add("sentinel myid " + myid);
        if (!denyScriptsReconfig) {
            out.add("sentinel deny-scripts-reconfig no");
        }
        if (resolveHostnames) {
            out.add("sentinel resolve-hostnames yes");
        }
        if (announceHostnames) {
            out.add("sentinel announce-hostnames yes");
        }
        if (sentinelUser != null) {
            out.add("sentinel sentinel-user " + sentinelUser);
        }
        if (sentinelPass != null) {
            out.add("sentinel sentinel-pass " + sentinelPass);
        }
        for (Instance m : masters.values()) {
            // a master in the middle of a failover is written with its old address until the switch
            out.add("sentinel monitor " + m.name + " " + announced(m) + " " + m.port + " " + m.quorum);
            if (m.downAfterPeriod != Timing.DEFAULT_DOWN_AFTER.defaultValue) {
                out.add("sentinel down-after-milliseconds " + m.name + " " + m.downAfterPeriod);
            }
            if (m.failoverTimeout != Timing.DEFAULT_FAILOVER_TIMEOUT.defaultValue) {
                out.add("sentinel failover-timeout " + m.name + " " + m.failoverTimeout);
            }
            if (m.parallelSyncs != 1) {
                out.add("sentinel parallel-syncs " + m.name + " " + m.parallelSyncs);
            }
            if (m.notificationScript != null) {
                out.add("sentinel notification-script " + m.name + " " + m.notificationScript);
            }
            if (m.clientReconfigScript != null) {
                out.add("sentinel client-reconfig-script " + m.name + " " + m.clientReconfigScript);
            }
            if (m.authPass != null) {
                out.add("sentinel auth-pass " + m.name + " " + m.authPass);
            }
            if (m.authUser != null) {
                out.add("sentinel auth-user " + m.name + " " + m.authUser);
            }
            if (m.masterRebootDownAfterPeriod != 0) {
                out.add("sentinel master-reboot-down-after-period " + m.name + " " + m.masterRebootDownAfterPeriod);
            }
            out.add("sentinel config-epoch " + m.name + " " + m.configEpoch);
            out.add("sentinel leader-epoch " + m.name + " " + m.leaderEpoch);
            for (Instance s : m.slaves.values()) {
                // the promoted replica is the master's address until the switch: write the old master
                if (s.ip.equals(m.ip) && s.port == m.port && m.promotedSlave == null) {
                    continue;
                }
                out.add("sentinel known-replica " + m.name + " " + announced(s) + " " + s.port);
            }
            for (Instance s : m.sentinels.values()) {
                if (s.runid == null) {
                    continue;
                }
                out.add("sentinel known-sentinel " + m.name + " " + announced(s) + " " + s.port + " " + s.runid);
            }
            for (Map.Entry<String, String> r : m.renamedCommands.entrySet()) {
                out.add("sentinel rename-command " + m.name + " " + r.getKey() + " " + r.getValue());
            }
        }
        out.add("sentinel current-epoch " + currentEpoch);
        if (!announceIp.isEmpty()) {
            out.add("sentinel announce-ip " + announceIp);
        }
        if (announcePort != 0) {
            out.add("sentinel announce-port " + announcePort);
        }
        return out;
    }

    /** Writes the state into the configuration file (Redis's sentinelFlushConfig); false on failure. */
    boolean flushConfig() {
        if (server == null || config.configFile == null) {
            return false;
        }
        try {
            ConfigRewrite.rewrite(config, Path.of(config.configFile));
            log(Log.NOTICE, "Sentinel new configuration saved on disk");
            return true;
        } catch (IOException | RuntimeException e) {
            String why = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                    : String.valueOf(e.getMessage());
            log(Log.WARNING, "WARNING: Sentinel was not able to save the new configuration on disk!!!: " + why);
            return false;
        }
    }


    // ------------------------------------------------------------------ start-up and events

    /** Sentinel is running: an id if it has none, the file saved, +monitor for each master. */
    public void start() {
        server.lock().lock();
        try {
            if (started) {
                return;
            }
            started = true;
            if (myid == null) {
                byte[] b = new byte[20];
                new SecureRandom().nextBytes(b);
                StringBuilder sb = new StringBuilder();
                for (byte x : b) {
                    sb.append(String.format("%02x", x));
                }
                myid = sb.toString();
            }
            // the clocks of what the file named start now, not when the file was read
            for (Instance m : masters.values()) {
                born(m);
                m.slaves.values().forEach(this::born);
                m.sentinels.values().forEach(this::born);
            }
            flushConfig();
            log(Log.WARNING, "Sentinel ID is " + myid);
            for (Instance m : masters.values()) {
                event(Log.WARNING, "+monitor", m, "%@ quorum " + m.quorum);
            }
            previousTime = server.clock().millis();
        } finally {
            server.lock().unlock();
        }
    }

    void log(int level, String msg) {
        if (server != null) {
            server.log().log(level, msg);
        }
    }

    /**
     * An event (Redis's sentinelEvent): logged, and published on the channel named after its type
     * (except debug ones). A format starting with "%@" names the instance: "master name ip port",
     * or for a replica or sentinel "kind name ip port @ master ip port", then the rest.
     */
    void event(int level, String type, Instance ri, String fmt) {
        String msg = fmt;
        if (ri != null && fmt.startsWith("%@")) {
            Instance m = ri.master;
            StringBuilder sb = new StringBuilder();
            sb.append(ri.kind.text).append(' ').append(ri.name).append(' ').append(announced(ri)).append(' ')
                    .append(ri.port);
            if (m != null) {
                sb.append(" @ ").append(m.name).append(' ').append(announced(m)).append(' ').append(m.port);
            }
            sb.append(fmt.substring(2));
            msg = sb.toString();
        }
        if (server == null) {
            return;
        }
        if (server.log().enabled(level)) {
            server.log().log(level, type + " " + msg);
        }
        if (level != Log.DEBUG) {
            PubSub.of(server).publish(type.getBytes(StandardCharsets.UTF_8), msg.getBytes(StandardCharsets.UTF_8));
        }
        if (level == Log.WARNING && ri != null && ri.masterOf().notificationScript != null) {
            scripts.schedule(ri.masterOf().notificationScript, type, msg);
        }
    }

    // ------------------------------------------------------------------ the timer

    private void timer(long now) {
        if (!started) {
            return;
        }
        checkTilt();
        scripts.cycle();
        for (Instance m : new ArrayList<>(masters.values())) {
            if (!masters.containsValue(m)) {
                continue;
            }
            handle(m);
            for (Instance s : new ArrayList<>(m.slaves.values())) {
                handle(s);
            }
            for (Instance s : new ArrayList<>(m.sentinels.values())) {
                handle(s);
            }
            if (m.failoverState == Instance.FS_UPDATE_CONFIG) {
                failover().switchToPromotedSlave(m);
            }
        }
    }

    private Failover failover;
    final Scripts scripts = new Scripts(this);

    Failover failover() {
        if (failover == null) {
            failover = new Failover(this);
        }
        return failover;
    }

    ServerContext server() {
        return server;
    }

    ServerConfig config() {
        return config;
    }

    long now() {
        return server == null ? System.currentTimeMillis() : server.clock().millis();
    }

    /** A new instance's times, as Redis starts them: available, answering and in its role since now. */
    Instance born(Instance ri) {
        long now = now();
        ri.lastAvailTime = now;
        ri.lastPongTime = now;
        ri.roleReportedTime = now;
        ri.slaveConfChangeTime = now;
        ri.lastHelloTime = now;
        return ri;
    }

    private void checkTilt() {
        long now = now();
        long delta = now - previousTime;
        if (delta < 0 || delta > t(Timing.TILT_TRIGGER)) {
            tilt = true;
            tiltStartTime = now;
            event(Log.WARNING, "+tilt", null, "#tilt mode entered");
        }
        previousTime = now;
    }

    private void handle(Instance ri) {
        Links.reconnect(this, ri);
        Links.sendPeriodicCommands(this, ri);
        if (tilt) {
            if (now() - tiltStartTime < t(Timing.TILT_PERIOD)) {
                return;
            }
            tilt = false;
            event(Log.WARNING, "-tilt", null, "#tilt mode exited");
        }
        checkSubjectivelyDown(ri);
        if (ri.kind == Instance.Kind.MASTER) {
            checkObjectivelyDown(ri);
            if (failover().startIfNeeded(ri)) {
                askMasterStateToOtherSentinels(ri, true);
            }
            failover().stateMachine(ri);
            askMasterStateToOtherSentinels(ri, false);
        }
    }

    private void checkSubjectivelyDown(Instance ri) {
        long now = now();
        long elapsed = 0;
        if (ri.actPingTime != 0) {
            elapsed = now - ri.actPingTime;
        } else if (ri.cc == null || ri.cc.closed()) {
            elapsed = now - ri.lastAvailTime;
        }
        Links.killStaleLinks(this, ri, now);
        boolean down = elapsed > ri.downAfterPeriod
                || (ri.kind == Instance.Kind.MASTER && ri.roleReported == Instance.Kind.SLAVE
                    && now - ri.roleReportedTime > ri.downAfterPeriod + t(Timing.INFO_PERIOD) * 2)
                // rebooted and still not answering PONG (loading, say) after master-reboot-down-after-period
                || (ri.is(Instance.MASTER_REBOOT) && now - ri.masterRebootSinceTime > ri.masterRebootDownAfterPeriod);
        if (down) {
            if (!ri.is(Instance.S_DOWN)) {
                event(Log.WARNING, "+sdown", ri, "%@");
                ri.sDownSinceTime = now;
                ri.flags |= Instance.S_DOWN;
            }
        } else if (ri.is(Instance.S_DOWN)) {
            event(Log.WARNING, "-sdown", ri, "%@");
            ri.flags &= ~(Instance.S_DOWN | Instance.SCRIPT_KILL_SENT);
        }
    }

    private void checkObjectivelyDown(Instance m) {
        int quorum = 0;
        boolean odown = false;
        if (m.is(Instance.S_DOWN)) {
            quorum = 1;
            for (Instance s : m.sentinels.values()) {
                if (s.is(Instance.MASTER_DOWN)) {
                    quorum++;
                }
            }
            odown = quorum >= m.quorum;
        }
        if (odown) {
            if (!m.is(Instance.O_DOWN)) {
                event(Log.WARNING, "+odown", m, "%@ #quorum " + quorum + "/" + m.quorum);
                m.flags |= Instance.O_DOWN;
                m.oDownSinceTime = now();
            }
        } else if (m.is(Instance.O_DOWN)) {
            event(Log.WARNING, "-odown", m, "%@");
            m.flags &= ~Instance.O_DOWN;
        }
    }

    /**
     * Asks the other Sentinels whether they think the master is down (every second while it is
     * SDOWN; at once when forced), with our id when a failover is in progress: that is a vote
     * request. Their replies set MASTER_DOWN and record whom they voted for.
     */
    void askMasterStateToOtherSentinels(Instance m, boolean forced) {
        long now = now();
        for (Instance ri : m.sentinels.values()) {
            long elapsed = now - ri.lastMasterDownReplyTime;
            if (elapsed > t(Timing.ASK_PERIOD) * 5) {
                ri.flags &= ~Instance.MASTER_DOWN;
                ri.leader = null;
            }
            if (!m.is(Instance.S_DOWN)) {
                continue;
            }
            if (ri.cc == null || ri.cc.closed()) {
                continue;
            }
            if (!forced && now - ri.lastMasterDownReplyTime < t(Timing.ASK_PERIOD)) {
                continue;
            }
            String runid = m.failoverState > Instance.FS_NONE ? myid : "*";
            ri.cc.send(reply -> {
                if (reply instanceof List<?> l && l.size() == 3 && l.get(0) instanceof Long down
                        && Link.text(l.get(1)) != null && l.get(2) instanceof Long epoch) {
                    ri.lastMasterDownReplyTime = now();
                    if (down == 1) {
                        ri.flags |= Instance.MASTER_DOWN;
                    } else {
                        ri.flags &= ~Instance.MASTER_DOWN;
                    }
                    String leader = Link.text(l.get(1));
                    if (!leader.equals("*")) {
                        ri.leader = leader;
                        ri.leaderEpoch = epoch;
                    }
                }
            }, "SENTINEL", "is-master-down-by-addr", announced(m), Integer.toString(m.port), Long.toString(currentEpoch), runid);
        }
    }

    // ------------------------------------------------------------------ hello messages

    /**
     * A hello from another Sentinel (from an instance's channel, or PUBLISHed to us): "ip,port,
     * runid,current_epoch,master_name,master_ip,master_port,master_config_epoch". Adds the sentinel,
     * follows the epoch, and switches the master when the hello carries a newer configuration.
     */
    void processHello(String hello) {
        String[] t = hello.split(",", -1);
        if (t.length != 8) {
            return;
        }
        Instance m = masters.get(t[4]);
        if (m == null) {
            return;
        }
        String ip = t[0];
        int port;
        long epoch;
        int masterPort;
        long masterConfigEpoch;
        try {
            port = Integer.parseInt(t[1]);
            epoch = Long.parseLong(t[3]);
            masterPort = Integer.parseInt(t[6]);
            masterConfigEpoch = Long.parseLong(t[7]);
        } catch (NumberFormatException e) {
            return;
        }
        String runid = t[2];
        if (runid.equals(myid)) {
            return;
        }
        String host = ip;
        ip = ipOf(host);
        Instance si = null;
        for (Instance s : m.sentinels.values()) {
            if (s.ip.equals(ip) && s.port == port && runid.equals(s.runid)) {
                si = s;
            }
        }
        if (si == null && ip != null) {
            // a sentinel with this id at another address moved (or one with this address restarted)
            int removed = 0;
            for (Instance mm : masters.values()) {
                for (Instance s : new ArrayList<>(mm.sentinels.values())) {
                    if (runid.equals(s.runid) || (s.ip.equals(ip) && s.port == port)) {
                        s.closeLinks();
                        mm.sentinels.remove(s.name);
                        removed++;
                    }
                }
            }
            si = born(new Instance(Instance.Kind.SENTINEL, runid, host, ip, port, m));
            si.runid = runid;
            si.downAfterPeriod = m.downAfterPeriod;
            m.sentinels.put(si.name, si);
            if (removed > 0) {
                event(Log.NOTICE, "+sentinel-address-switch", m, "%@ ip " + host + " port " + port + " for " + runid);
            } else {
                event(Log.NOTICE, "+sentinel", si, "%@");
            }
            flushConfig();
        }
        if (currentEpoch < epoch) {
            currentEpoch = epoch;
            flushConfig();
            event(Log.WARNING, "+new-epoch", m, Long.toString(currentEpoch));
        }
        if (si == null) {
            return;
        }
        if (m.configEpoch < masterConfigEpoch) {
            m.configEpoch = masterConfigEpoch;
            if (!addrEqualsHostname(m, t[5]) || m.port != masterPort) {
                event(Log.WARNING, "+config-update-from", si, "%@");
                event(Log.WARNING, "+switch-master", m, m.name + " " + announced(m) + " " + m.port + " " + t[5] + " "
                        + masterPort);
                String oldAddr = announced(m);
                int oldPort = m.port;
                resetMasterAndChangeAddress(m, t[5], masterPort);
                callClientReconfScript(m, "observer", "start", oldAddr, oldPort, announced(m), m.port);
                flushConfig();
            }
        }
        si.lastHelloTime = now();
    }

    /**
     * A script's path as Redis finds it: relative to the working directory, which is "dir" (Redis
     * changes into it; a JVM cannot, so relative paths are resolved against it instead).
     */
    Path scriptPath(String path) {
        Path p = Path.of(path);
        return p.isAbsolute() ? p : Path.of(config.dir).resolve(p).normalize();
    }

    /** client-reconfig-script: master-name role state from-ip from-port to-ip to-port. */
    void callClientReconfScript(Instance m, String role, String state, String fromIp, int fromPort, String toIp,
                                int toPort) {
        if (m.clientReconfigScript != null) {
            scripts.schedule(m.clientReconfigScript, m.name, role, state, fromIp, Integer.toString(fromPort), toIp,
                    Integer.toString(toPort));
        }
    }

    /** Our hello for an instance of master m (sent to the master, its replicas and the other sentinels). */
    String hello(Instance ri) {
        Instance m = ri.masterOf();
        String ip = !announceIp.isEmpty() ? announceIp : ri.cc.localIp();
        int port = announcePort != 0 ? announcePort : config.port;
        Instance addr = currentMasterAddress(m);
        return ip + "," + port + "," + myid + "," + currentEpoch + "," + m.name + "," + announced(addr) + "," + addr.port + ","
                + m.configEpoch;
    }

    /**
     * Where the master is now: once the promoted replica has taken over (reconfiguring the
     * others), its address, so hellos carry the new configuration before the switch is done.
     */
    static Instance currentMasterAddress(Instance m) {
        return m.is(Instance.FAILOVER_IN_PROGRESS) && m.promotedSlave != null
                && m.failoverState >= Instance.FS_RECONF_SLAVES ? m.promotedSlave : m;
    }

    /** Hellos for a master's instances go out at the next cycle (a new configuration to spread). */
    void forceHelloUpdate(Instance m) {
        java.util.function.Consumer<Instance> force = ri -> {
            if (ri.lastPubTime >= t(Timing.PUBLISH_PERIOD) + 1) {
                ri.lastPubTime -= t(Timing.PUBLISH_PERIOD) + 1;
            }
        };
        force.accept(m);
        m.slaves.values().forEach(force);
        m.sentinels.values().forEach(force);
    }

    // ------------------------------------------------------------------ votes

    /**
     * A vote request for master m in epoch reqEpoch by Sentinel reqRunid (Redis's
     * sentinelVoteLeader): one vote per epoch, to the first asker; an epoch ahead of ours becomes
     * ours. Returns the leader voted for in the master's leader epoch (null: none).
     */
    String voteLeader(Instance m, long reqEpoch, String reqRunid) {
        if (reqEpoch > currentEpoch) {
            currentEpoch = reqEpoch;
            flushConfig();
            event(Log.WARNING, "+new-epoch", m, Long.toString(currentEpoch));
        }
        if (m.leaderEpoch < reqEpoch && currentEpoch <= reqEpoch) {
            m.leader = reqRunid;
            m.leaderEpoch = currentEpoch;
            flushConfig();
            event(Log.WARNING, "+vote-for-leader", m, m.leader + " " + m.leaderEpoch);
            // voted for someone else: do not start our own failover for a while
            if (!m.leader.equalsIgnoreCase(myid)) {
                m.failoverStartTime = now() + ThreadLocalRandom.current().nextLong(MAX_DESYNC);
            }
        }
        return m.leader;
    }

    /**
     * The leader of epoch for master m (Redis's sentinelGetLeader): the votes of the other
     * sentinels plus ours (for the most voted, else for ourselves); the winner needs a majority of
     * all the sentinels known and at least the quorum.
     */
    String getLeader(Instance m, long epoch) {
        Map<String, Integer> counters = new HashMap<>();
        int voters = m.sentinels.size() + 1;
        for (Instance s : m.sentinels.values()) {
            if (s.leader != null && s.leaderEpoch == currentEpoch) {
                counters.merge(s.leader, 1, Integer::sum);
            }
        }
        String winner = null;
        int maxVotes = 0;
        for (Map.Entry<String, Integer> e : counters.entrySet()) {
            if (e.getValue() > maxVotes || (e.getValue() == maxVotes && winner != null && e.getKey().compareTo(winner) > 0)) {
                maxVotes = e.getValue();
                winner = e.getKey();
            }
        }
        String myvote = voteLeader(m, epoch, winner != null ? winner : myid);
        if (myvote != null && m.leaderEpoch == epoch) {
            int votes = counters.merge(myvote, 1, Integer::sum);
            if (votes > maxVotes) {
                maxVotes = votes;
                winner = myvote;
            }
        }
        if (winner != null && (maxVotes < voters / 2 + 1 || maxVotes < m.quorum)) {
            winner = null;
        }
        return winner;
    }

    // ------------------------------------------------------------------ resets

    /**
     * Forgets what was learnt about a master (links, replicas, failover state; the other sentinels
     * too unless keepSentinels), as SENTINEL RESET and a switch to a new address do.
     */
    void resetMaster(Instance m, boolean keepSentinels, boolean generateEvent) {
        for (Instance s : m.slaves.values()) {
            s.closeLinks();
        }
        m.slaves.clear();
        if (!keepSentinels) {
            for (Instance s : m.sentinels.values()) {
                s.closeLinks();
            }
            m.sentinels.clear();
        }
        m.closeLinks();
        m.flags = 0;
        m.leader = null;
        m.failoverState = Instance.FS_NONE;
        m.failoverStateChangeTime = 0;
        m.failoverStartTime = 0;
        m.promotedSlave = null;
        m.runid = null;
        m.sDownSinceTime = 0;
        m.oDownSinceTime = 0;
        m.lastAvailTime = now();
        m.lastPongTime = now();
        m.roleReported = Instance.Kind.MASTER;
        m.roleReportedTime = now();
        m.infoRefresh = 0;
        m.info = null;
        if (generateEvent) {
            event(Log.WARNING, "+reset-master", m, "%@");
        }
    }

    /**
     * The master is now at host:port (a failover we led or heard about): its replicas become the
     * old ones except the new master, plus the old master itself. False (nothing changed) when the
     * host does not resolve.
     */
    boolean resetMasterAndChangeAddress(Instance m, String host, int port) {
        String ip = resolve(host);
        if (ip == null) {
            return false;
        }
        List<String[]> slaves = new ArrayList<>();
        for (Instance s : m.slaves.values()) {
            if (!(s.ip.equals(ip) && s.port == port)) {
                slaves.add(new String[] {s.hostname, Integer.toString(s.port)});
            }
        }
        if (!(m.ip.equals(ip) && m.port == port)) {
            slaves.add(new String[] {m.hostname, Integer.toString(m.port)});
        }
        resetMaster(m, true, false);
        m.hostname = host;
        m.ip = ip;
        m.port = port;
        for (String[] s : slaves) {
            Instance r = addSlave(m, s[0], Integer.parseInt(s[1]));
            if (r != null) {
                event(Log.NOTICE, "+slave", r, "%@");
            }
        }
        return true;
    }

    int resetMastersByPattern(String pattern) {
        int n = 0;
        for (Instance m : masters.values()) {
            if (dev.cinnabar.server.util.Glob.matches(pattern, m.name)) {
                resetMaster(m, false, true);
                n++;
            }
        }
        return n;
    }

    /**
     * sentinel-user or sentinel-pass changed (Redis's sentinelDropConnections): the links to the
     * other Sentinels close, and the next cycle reconnects them with the new credentials.
     */
    void dropSentinelLinks() {
        for (Instance m : masters.values()) {
            for (Instance s : m.sentinels.values()) {
                if (s.cc != null) {
                    s.cc.close();
                    s.cc = null;
                }
            }
        }
    }

    /** The master is removed: its links close. */
    void removeMaster(Instance m) {
        resetMaster(m, false, false);
        masters.remove(m.name);
    }

    /** The configuration of the Sentinel as SENTINEL CONFIG GET shows it. */
    Map<String, String> globalConfig() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("resolve-hostnames", resolveHostnames ? "yes" : "no");
        c.put("announce-hostnames", announceHostnames ? "yes" : "no");
        c.put("announce-ip", announceIp);
        c.put("announce-port", Integer.toString(announcePort));
        c.put("sentinel-user", sentinelUser == null ? "" : sentinelUser);
        c.put("sentinel-pass", sentinelPass == null ? "" : sentinelPass);
        return c;
    }
}
