package dev.cinnabar.server.sentinel;

import dev.cinnabar.server.Log;
import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.command.server.InfoCommand;
import dev.cinnabar.server.command.server.ServerCommands;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Numbers;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The commands of sentinel mode: SENTINEL's subcommands, and the Sentinel's own INFO (its
 * sections plus "sentinel"), ROLE and PUBLISH (hello messages only), which replace the server's.
 * Replies and error texts are redis-sentinel 7.0's.
 */
public final class SentinelCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.override("info", this::info);
        t.override("role", this::role);
        t.override("publish", this::publish);
        t.bind("sentinel", "masters", this::masters);
        t.bind("sentinel", "master", this::master);
        t.bind("sentinel", "replicas", this::replicas);
        t.bind("sentinel", "slaves", this::replicas);
        t.bind("sentinel", "sentinels", this::sentinels);
        t.bind("sentinel", "get-master-addr-by-name", this::getMasterAddrByName);
        t.bind("sentinel", "is-master-down-by-addr", this::isMasterDownByAddr);
        t.bind("sentinel", "reset", this::reset);
        t.bind("sentinel", "failover", this::failover);
        t.bind("sentinel", "ckquorum", this::ckquorum);
        t.bind("sentinel", "flushconfig", this::flushconfig);
        t.bind("sentinel", "monitor", this::monitor);
        t.bind("sentinel", "remove", this::remove);
        t.bind("sentinel", "set", this::set);
        t.bind("sentinel", "config", this::config);
        t.bind("sentinel", "info-cache", this::infoCache);
        t.bind("sentinel", "myid", c -> c.reply().bulk(st(c).myid));
        t.bind("sentinel", "pending-scripts", this::pendingScripts);
        t.bind("sentinel", "debug", this::debug);
        t.bind("sentinel", "simulate-failure", this::simulateFailure);
        t.bind("sentinel", "help", this::help);
    }

    private static Sentinel st(Client c) {
        return Sentinel.of(c.server());
    }

    private static String arg(Client c, int i) {
        return Texts.str(c.arg(i));
    }

    private static Instance masterOrReply(Client c, String name) {
        Instance m = st(c).masters.get(name);
        if (m == null) {
            c.error("ERR No such master with that name");
        }
        return m;
    }

    // ------------------------------------------------------------------ INFO, ROLE, PUBLISH

    private static final List<String> SECTIONS = List.of("server", "clients", "stats", "cpu");

    void info(Client c) {
        Set<String> sections = new LinkedHashSet<>();
        boolean sentinel = false;
        if (c.argc() == 1) {
            sections.addAll(SECTIONS);
            sentinel = true;
        }
        for (int i = 1; i < c.argc(); i++) {
            String s = arg(c, i).toLowerCase(Locale.ROOT);
            switch (s) {
                case "default", "all", "everything" -> {
                    sections.addAll(SECTIONS);
                    sentinel = true;
                }
                case "sentinel" -> sentinel = true;
                default -> {
                    if (SECTIONS.contains(s)) {
                        sections.add(s);
                    }
                }
            }
        }
        StringBuilder sb = new StringBuilder(InfoCommand.generate(c.server(), sections));
        if (sentinel) {
            if (!sb.isEmpty()) {
                sb.append("\r\n");
            }
            sentinelSection(st(c), sb);
        }
        c.reply().verbatim("txt", sb.toString());
    }

    private static void sentinelSection(Sentinel st, StringBuilder sb) {
        sb.append("# Sentinel\r\n");
        sb.append("sentinel_masters:").append(st.masters.size()).append("\r\n");
        sb.append("sentinel_tilt:").append(st.tilt ? 1 : 0).append("\r\n");
        sb.append("sentinel_tilt_since_seconds:").append(st.tilt ? (st.now() - st.tiltStartTime) / 1000 : -1).append("\r\n");
        sb.append("sentinel_running_scripts:0\r\n");
        sb.append("sentinel_scripts_queue_length:0\r\n");
        sb.append("sentinel_simulate_failure_flags:").append(st.simfailureFlags).append("\r\n");
        int i = 0;
        for (Instance m : st.masters.values()) {
            String status = m.is(Instance.O_DOWN) ? "odown" : m.is(Instance.S_DOWN) ? "sdown" : "ok";
            sb.append("master").append(i++).append(":name=").append(m.name).append(",status=").append(status)
                    .append(",address=").append(Instance.addrKey(st.announced(m), m.port)).append(",slaves=").append(m.slaves.size())
                    .append(",sentinels=").append(m.sentinels.size() + 1).append("\r\n");
        }
    }

    void role(Client c) {
        Sentinel st = st(c);
        Reply r = c.reply();
        r.array(2);
        r.bulk("sentinel");
        r.array(st.masters.size());
        for (Instance m : st.masters.values()) {
            r.bulk(m.name);
        }
    }

    void publish(Client c) {
        if (!arg(c, 1).equals(Sentinel.HELLO_CHANNEL)) {
            c.error("ERR Only HELLO messages are accepted by Sentinel instances.");
            return;
        }
        st(c).processHello(arg(c, 2));
        c.reply().integer(1);
    }

    // ------------------------------------------------------------------ SENTINEL

    void masters(Client c) {
        Sentinel st = st(c);
        c.reply().array(st.masters.size());
        for (Instance m : st.masters.values()) {
            instance(c, st, m);
        }
    }

    void master(Client c) {
        Instance m = masterOrReply(c, arg(c, 2));
        if (m != null) {
            instance(c, st(c), m);
        }
    }

    void replicas(Client c) {
        instances(c, m -> m.slaves.values());
    }

    void sentinels(Client c) {
        instances(c, m -> m.sentinels.values());
    }

    private static void instances(Client c, java.util.function.Function<Instance, java.util.Collection<Instance>> of) {
        Instance m = masterOrReply(c, arg(c, 2));
        if (m != null) {
            // as Redis: a replica with replica-announced no (its INFO says replica_announced:0) is
            // left out of the listing, though still watched and counted in the master's num-slaves
            List<Instance> all = new ArrayList<>();
            for (Instance s : of.apply(m)) {
                if (s.kind != Instance.Kind.SLAVE || s.replicaAnnounced != 0) {
                    all.add(s);
                }
            }
            c.reply().array(all.size());
            for (Instance s : all) {
                instance(c, st(c), s);
            }
        }
    }

    /** An instance's fields, in redis-sentinel's order (a map in RESP3). */
    private static void instance(Client c, Sentinel st, Instance ri) {
        long now = st.now();
        List<String[]> f = new ArrayList<>();
        f.add(new String[] {"name", ri.name});
        f.add(new String[] {"ip", st.announced(ri)});
        f.add(new String[] {"port", Integer.toString(ri.port)});
        f.add(new String[] {"runid", ri.runid == null ? "" : ri.runid});
        f.add(new String[] {"flags", ri.flagsText()});
        f.add(new String[] {"link-pending-commands", Integer.toString(ri.cc == null ? 0 : ri.cc.pendingCommands())});
        f.add(new String[] {"link-refcount", "1"});
        if (ri.is(Instance.FAILOVER_IN_PROGRESS)) {
            f.add(new String[] {"failover-state", Instance.FS_NAMES[ri.failoverState]});
        }
        f.add(new String[] {"last-ping-sent", Long.toString(ri.actPingTime == 0 ? 0 : now - ri.actPingTime)});
        f.add(new String[] {"last-ok-ping-reply", Long.toString(now - ri.lastAvailTime)});
        f.add(new String[] {"last-ping-reply", Long.toString(now - ri.lastPongTime)});
        if (ri.is(Instance.S_DOWN)) {
            f.add(new String[] {"s-down-time", Long.toString(now - ri.sDownSinceTime)});
        }
        if (ri.is(Instance.O_DOWN)) {
            f.add(new String[] {"o-down-time", Long.toString(now - ri.oDownSinceTime)});
        }
        f.add(new String[] {"down-after-milliseconds", Long.toString(ri.downAfterPeriod)});
        if (ri.kind != Instance.Kind.SENTINEL) {
            f.add(new String[] {"info-refresh", Long.toString(ri.infoRefresh == 0 ? 0 : now - ri.infoRefresh)});
            f.add(new String[] {"role-reported", ri.roleReported.text});
            f.add(new String[] {"role-reported-time", Long.toString(now - ri.roleReportedTime)});
        }
        switch (ri.kind) {
            case MASTER -> {
                f.add(new String[] {"config-epoch", Long.toString(ri.configEpoch)});
                f.add(new String[] {"num-slaves", Integer.toString(ri.slaves.size())});
                f.add(new String[] {"num-other-sentinels", Integer.toString(ri.sentinels.size())});
                f.add(new String[] {"quorum", Integer.toString(ri.quorum)});
                f.add(new String[] {"failover-timeout", Long.toString(ri.failoverTimeout)});
                f.add(new String[] {"parallel-syncs", Integer.toString(ri.parallelSyncs)});
            }
            case SLAVE -> {
                f.add(new String[] {"master-link-down-time", Long.toString(ri.masterLinkDownTime)});
                f.add(new String[] {"master-link-status", ri.slaveMasterLinkUp ? "ok" : "err"});
                f.add(new String[] {"master-host", ri.slaveMasterHost == null ? "?" : ri.slaveMasterHost});
                f.add(new String[] {"master-port", Integer.toString(ri.slaveMasterPort)});
                f.add(new String[] {"slave-priority", Integer.toString(ri.slavePriority)});
                f.add(new String[] {"slave-repl-offset", Long.toString(ri.slaveReplOffset)});
                f.add(new String[] {"replica-announced", Integer.toString(ri.replicaAnnounced)});
            }
            case SENTINEL -> {
                f.add(new String[] {"last-hello-message", Long.toString(now - ri.lastHelloTime)});
                f.add(new String[] {"voted-leader", ri.leader == null ? "?" : ri.leader});
                f.add(new String[] {"voted-leader-epoch", Long.toString(ri.leaderEpoch)});
            }
            default -> {
            }
        }
        Reply r = c.reply();
        r.map(f.size());
        for (String[] kv : f) {
            r.bulk(kv[0]);
            r.bulk(kv[1]);
        }
    }

    void getMasterAddrByName(Client c) {
        Instance m = st(c).masters.get(arg(c, 2));
        if (m == null) {
            c.reply().nullArray();
            return;
        }
        // during a failover, once the replica is promoted, clients are pointed at it
        Instance addr = Sentinel.currentMasterAddress(m);
        c.reply().array(2);
        c.reply().bulk(st(c).announced(addr));
        c.reply().bulk(Integer.toString(addr.port));
    }

    /** SENTINEL IS-MASTER-DOWN-BY-ADDR ip port current-epoch runid|*: our view, and our vote if asked. */
    void isMasterDownByAddr(Client c) {
        Sentinel st = st(c);
        Long port = Numbers.parseLong(c.arg(3));
        Long epoch = Numbers.parseLong(c.arg(4));
        if (port == null || epoch == null) {
            c.error("ERR value is not an integer or out of range");
            return;
        }
        String host = arg(c, 2);
        String runid = arg(c, 5);
        Instance m = null;
        for (Instance x : st.masters.values()) {
            if (x.port == port && st.addrEqualsHostname(x, host)) {
                m = x;
            }
        }
        boolean down = !st.tilt && m != null && m.is(Instance.S_DOWN);
        String leader = null;
        long leaderEpoch = 0;
        if (m != null && !runid.equals("*")) {
            leader = st.voteLeader(m, epoch, runid);
            leaderEpoch = m.leaderEpoch;
        }
        Reply r = c.reply();
        r.array(3);
        r.integer(down ? 1 : 0);
        r.bulk(leader == null ? "*" : leader);
        r.integer(leaderEpoch);
    }

    void reset(Client c) {
        Sentinel st = st(c);
        int n = st.resetMastersByPattern(arg(c, 2));
        if (n > 0) {
            st.flushConfig();
        }
        c.reply().integer(n);
    }

    void failover(Client c) {
        Sentinel st = st(c);
        Instance m = masterOrReply(c, arg(c, 2));
        if (m == null) {
            return;
        }
        if (m.is(Instance.FAILOVER_IN_PROGRESS)) {
            c.error("INPROG Failover already in progress");
            return;
        }
        if (st.failover().selectSlave(m) == null) {
            c.error("NOGOODSLAVE No suitable replica to promote");
            return;
        }
        st.log(Log.WARNING, "Executing user requested FAILOVER of '" + m.name + "'");
        st.failover().start(m);
        m.flags |= Instance.FORCE_FAILOVER;
        c.reply().ok();
    }

    void ckquorum(Client c) {
        Instance m = masterOrReply(c, arg(c, 2));
        if (m == null) {
            return;
        }
        int usable = 1;
        for (Instance s : m.sentinels.values()) {
            if (!s.is(Instance.S_DOWN | Instance.O_DOWN)) {
                usable++;
            }
        }
        int voters = m.sentinels.size() + 1;
        boolean noQuorum = usable < m.quorum;
        boolean noAuth = usable < voters / 2 + 1;
        if (noQuorum || noAuth) {
            StringBuilder e = new StringBuilder("NOQUORUM ").append(usable).append(" usable Sentinels. ");
            if (noQuorum) {
                e.append("Not enough available Sentinels to reach the specified quorum for this master");
            }
            if (noAuth) {
                e.append(noQuorum ? ". " : "").append("Not enough available Sentinels to reach the majority and "
                        + "authorize a failover");
            }
            c.error(e.toString());
            return;
        }
        c.reply().simple("OK " + usable + " usable Sentinels. Quorum and failover authorization can be reached");
    }

    void flushconfig(Client c) {
        if (!st(c).flushConfig()) {
            c.error("ERR Failed to save config file. Check server logs.");
            return;
        }
        c.reply().ok();
    }

    void monitor(Client c) {
        Sentinel st = st(c);
        Long quorum = Numbers.parseLong(c.arg(5));
        if (quorum == null) {
            c.error("ERR Invalid quorum");
            return;
        }
        Long port = Numbers.parseLong(c.arg(4));
        if (port == null) {
            c.error("ERR Invalid port");
            return;
        }
        if (quorum <= 0) {
            c.error("ERR Quorum must be 1 or greater.");
            return;
        }
        if (port <= 0 || port > 65535) {
            c.error("ERR Invalid port number");
            return;
        }
        String name = arg(c, 2);
        if (st.masters.containsKey(name)) {
            c.error("ERR Duplicate master name.");
            return;
        }
        if (st.resolve(arg(c, 3)) == null) {
            c.error("ERR Invalid IP address or hostname specified");
            return;
        }
        String err = st.createMaster(name, arg(c, 3), port.intValue(), quorum.intValue());
        if (err != null) {
            c.error("ERR " + err);
            return;
        }
        Instance m = st.masters.get(name);
        st.born(m);
        st.flushConfig();
        st.event(Log.WARNING, "+monitor", m, "%@ quorum " + m.quorum);
        c.reply().ok();
    }

    void remove(Client c) {
        Sentinel st = st(c);
        Instance m = masterOrReply(c, arg(c, 2));
        if (m == null) {
            return;
        }
        st.event(Log.WARNING, "-monitor", m, "%@");
        st.removeMaster(m);
        st.flushConfig();
        c.reply().ok();
    }

    /** SENTINEL SET master option value [option value ...]: every pair checked before any applies. */
    void set(Client c) {
        Sentinel st = st(c);
        Instance m = masterOrReply(c, arg(c, 2));
        if (m == null) {
            return;
        }
        List<Runnable> apply = new ArrayList<>();
        List<String> events = new ArrayList<>();
        int i = 3;
        while (i < c.argc()) {
            String option = arg(c, i);
            String o = option.toLowerCase(Locale.ROOT);
            int left = c.argc() - i - 1;
            if (o.equals("rename-command") && left >= 2) {
                String from = arg(c, i + 1);
                String to = arg(c, i + 2);
                if (from.isEmpty() || to.isEmpty()) {
                    c.error("ERR Invalid argument '" + (from.isEmpty() ? from : to) + "' for SENTINEL SET '" + option + "'");
                    return;
                }
                apply.add(() -> {
                    if (from.equalsIgnoreCase(to)) {
                        m.renamedCommands.remove(from.toLowerCase(Locale.ROOT));
                    } else {
                        m.renamedCommands.put(from.toLowerCase(Locale.ROOT), to);
                    }
                });
                events.add(o + " " + from + " " + to);
                i += 3;
                continue;
            }
            if (left < 1) {
                c.error("ERR Unknown option or number of arguments for SENTINEL SET '" + option + "'");
                return;
            }
            String value = arg(c, i + 1);
            Long n = Numbers.parseLong(c.arg(i + 1));
            switch (o) {
                case "down-after-milliseconds", "failover-timeout", "parallel-syncs", "quorum" -> {
                    if (n == null || n <= 0) {
                        c.error("ERR Invalid argument '" + value + "' for SENTINEL SET '" + option + "'");
                        return;
                    }
                    long v = n;
                    apply.add(switch (o) {
                        case "down-after-milliseconds" -> () -> st.setDownAfter(m, v);
                        case "failover-timeout" -> () -> m.failoverTimeout = v;
                        case "parallel-syncs" -> () -> m.parallelSyncs = (int) v;
                        default -> () -> m.quorum = (int) v;
                    });
                }
                case "master-reboot-down-after-period" -> {
                    if (n == null || n < 0) {
                        c.error("ERR Invalid argument '" + value + "' for SENTINEL SET '" + option + "'");
                        return;
                    }
                    long v = n;
                    apply.add(() -> m.masterRebootDownAfterPeriod = v);
                }
                case "auth-pass" -> apply.add(() -> m.authPass = value.isEmpty() ? null : value);
                case "auth-user" -> apply.add(() -> m.authUser = value.isEmpty() ? null : value);
                case "notification-script", "client-reconfig-script" -> {
                    if (st.denyScriptsReconfig) {
                        c.error("ERR Reconfiguration of scripts path is denied for security reasons. Check the "
                                + "deny-scripts-reconfig configuration directive in your config file.");
                        return;
                    }
                    if (!value.isEmpty() && !java.nio.file.Files.isExecutable(st.scriptPath(value))) {
                        c.error(o.equals("notification-script")
                                ? "ERR Notification script seems non existing or non executable"
                                : "ERR Client reconfiguration script seems non existing or non executable");
                        return;
                    }
                    String v = value.isEmpty() ? null : value;
                    apply.add(o.equals("notification-script") ? () -> m.notificationScript = v
                            : () -> m.clientReconfigScript = v);
                }
                default -> {
                    c.error("ERR Unknown option or number of arguments for SENTINEL SET '" + option + "'");
                    return;
                }
            }
            events.add(o + " " + value);
            i += 2;
        }
        apply.forEach(Runnable::run);
        boolean saved = st.flushConfig();
        for (String e : events) {
            st.event(Log.WARNING, "+set", m, "%@ " + e);
        }
        if (!saved) {
            c.error("ERR Failed to save config file. Check server logs."); // as Redis: applied, not saved
            return;
        }
        c.reply().ok();
    }

    /** SENTINEL CONFIG GET pattern | SET name value. */
    void config(Client c) {
        Sentinel st = st(c);
        String sub = arg(c, 2).toLowerCase(Locale.ROOT);
        if (sub.equals("get") && c.argc() == 4) {
            String pattern = arg(c, 3);
            List<Map.Entry<String, String>> found = new ArrayList<>();
            for (Map.Entry<String, String> e : st.globalConfig().entrySet()) {
                if (dev.cinnabar.server.util.Glob.matches(pattern, e.getKey())) {
                    found.add(e);
                }
            }
            c.reply().map(found.size());
            for (Map.Entry<String, String> e : found) {
                c.reply().bulk(e.getKey());
                c.reply().bulk(e.getValue());
            }
            return;
        }
        if (sub.equals("set") && c.argc() == 5) {
            String name = arg(c, 3);
            String value = arg(c, 4);
            String n = name.toLowerCase(Locale.ROOT);
            switch (n) {
                case "resolve-hostnames", "announce-hostnames" -> {
                    Boolean v = Sentinel.yesNo(value);
                    if (v == null) {
                        c.error("ERR Invalid value '" + value + "' to SENTINEL CONFIG SET '" + name + "'");
                        return;
                    }
                    if (n.equals("resolve-hostnames")) {
                        st.resolveHostnames = v;
                    } else {
                        st.announceHostnames = v;
                    }
                }
                case "announce-ip" -> st.announceIp = value;
                case "announce-port" -> {
                    Long p = Numbers.parseLong(c.arg(4));
                    if (p == null || p < 0 || p > 65535) {
                        c.error("ERR Invalid value '" + value + "' to SENTINEL CONFIG SET '" + name + "'");
                        return;
                    }
                    st.announcePort = p.intValue();
                }
                case "sentinel-user" -> st.sentinelUser = value.isEmpty() ? null : value;
                case "sentinel-pass" -> st.sentinelPass = value.isEmpty() ? null : value;
                default -> {
                    c.error("ERR Invalid argument '" + name + "' to SENTINEL CONFIG SET");
                    return;
                }
            }
            st.flushConfig();
            c.reply().ok();
            if (n.equals("sentinel-user") || n.equals("sentinel-pass")) {
                st.dropSentinelLinks(); // they reconnect with the new credentials, as Redis's
            }
            return;
        }
        c.error("ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.");
    }

    /** SENTINEL INFO-CACHE [master ...]: each master's cached INFO replies, with their age in ms. */
    void infoCache(Client c) {
        Sentinel st = st(c);
        List<Instance> ms = new ArrayList<>();
        if (c.argc() == 2) {
            ms.addAll(st.masters.values());
        } else {
            for (int i = 2; i < c.argc(); i++) {
                Instance m = st.masters.get(arg(c, i));
                if (m != null) {
                    ms.add(m);
                }
            }
        }
        Reply r = c.reply();
        long now = st.now();
        r.array(ms.size() * 2);
        for (Instance m : ms) {
            r.bulk(m.name);
            List<Instance> all = new ArrayList<>();
            all.add(m);
            all.addAll(m.slaves.values());
            r.array(all.size());
            for (Instance i : all) {
                r.array(2);
                r.integer(now - i.infoRefresh);
                if (i.info == null) {
                    r.nullBulk();
                } else {
                    r.bulk(i.info);
                }
            }
        }
    }

    /** SENTINEL PENDING-SCRIPTS: each queued script run, running or waiting for a retry. */
    void pendingScripts(Client c) {
        Sentinel st = st(c);
        List<Scripts.Job> jobs = st.scripts.pending();
        Reply r = c.reply();
        long now = st.now();
        r.array(jobs.size());
        for (Scripts.Job j : jobs) {
            r.map(5);
            r.bulk("argv");
            r.array(j.argv.size());
            for (String a : j.argv) {
                r.bulk(a);
            }
            r.bulk("flags");
            r.bulk(j.process != null ? "running" : "scheduled");
            r.bulk("pid");
            r.bulk(Long.toString(j.process != null ? j.process.pid() : 0));
            if (j.process != null) {
                r.bulk("run-time");
                r.bulk(Long.toString(now - j.startTime));
            } else {
                r.bulk("run-delay");
                r.bulk(Long.toString(j.startTime == 0 ? 0 : Math.max(0, j.startTime - now)));
            }
            r.bulk("retry-num");
            r.bulk(Integer.toString(j.retryNum));
        }
    }

    /** SENTINEL DEBUG [option value ...]: the periods and timeouts, shown or changed (tests shorten them). */
    void debug(Client c) {
        Sentinel st = st(c);
        if (c.argc() == 2) {
            Reply r = c.reply();
            r.map(Timing.values().length);
            for (Timing t : Timing.values()) {
                r.bulk(t.option().toUpperCase(Locale.ROOT));
                r.bulk(Long.toString(st.t(t)));
            }
            return;
        }
        List<Runnable> apply = new ArrayList<>();
        for (int i = 2; i < c.argc(); i += 2) {
            String option = arg(c, i);
            Timing which = null;
            for (Timing t : Timing.values()) {
                if (t.option().equalsIgnoreCase(option)) {
                    which = t;
                }
            }
            if (which == null || i + 1 >= c.argc()) {
                c.error("ERR Unknown option or number of arguments for SENTINEL DEBUG '" + option + "'");
                return;
            }
            Long v = Numbers.parseLong(c.arg(i + 1));
            if (v == null || v <= 0) {
                c.error("ERR Invalid argument '" + arg(c, i + 1) + "' for SENTINEL DEBUG '" + option + "'");
                return;
            }
            Timing t = which;
            apply.add(() -> st.t(t, v));
        }
        apply.forEach(Runnable::run);
        c.reply().ok();
    }

    void simulateFailure(Client c) {
        Sentinel st = st(c);
        int flags = 0;
        for (int i = 2; i < c.argc(); i++) {
            String a = arg(c, i).toLowerCase(Locale.ROOT);
            switch (a) {
                case "crash-after-election" -> flags |= Sentinel.SIMFAILURE_CRASH_AFTER_ELECTION;
                case "crash-after-promotion" -> flags |= Sentinel.SIMFAILURE_CRASH_AFTER_PROMOTION;
                case "help" -> {
                    c.reply().array(2);
                    c.reply().bulk("crash-after-election");
                    c.reply().bulk("crash-after-promotion");
                    return;
                }
                default -> {
                    c.error("ERR Unknown failure simulation specified");
                    return;
                }
            }
        }
        st.simfailureFlags = flags;
        if ((flags & Sentinel.SIMFAILURE_CRASH_AFTER_ELECTION) != 0) {
            st.log(Log.WARNING, "Failure simulation: this Sentinel will crash after being successfully elected as "
                    + "failover leader");
        }
        if ((flags & Sentinel.SIMFAILURE_CRASH_AFTER_PROMOTION) != 0) {
            st.log(Log.WARNING, "Failure simulation: this Sentinel will crash after promoting the selected replica "
                    + "to master");
        }
        c.reply().ok();
    }

    void help(Client c) {
        ServerCommands.help(c, new String[] {
            "SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CKQUORUM <master-name>", "    Check whether enough Sentinels are reachable for the quorum and a failover.",
            "CONFIG SET <param> <value> | CONFIG GET <param>", "    The Sentinel's own settings.",
            "FAILOVER <master-name>", "    Fail over now, without asking the other Sentinels.",
            "FLUSHCONFIG", "    Write the state into the configuration file.",
            "GET-MASTER-ADDR-BY-NAME <master-name>", "    The master's address (ip, port).",
            "INFO-CACHE <master-name> [...]", "    The last INFO replies of a master and its replicas.",
            "IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>", "    Whether the master looks down; a vote.",
            "MASTER <master-name>", "    State of a master.",
            "MASTERS", "    State of every master.",
            "MONITOR <name> <ip> <port> <quorum>", "    Start monitoring a master.",
            "MYID", "    This Sentinel's id.",
            "PENDING-SCRIPTS", "    Scripts running or waiting to run.",
            "DEBUG [<param> <value> ...]", "    Show or change the periods and timeouts.",
            "REMOVE <master-name>", "    Stop monitoring a master.",
            "REPLICAS <master-name>", "    State of a master's replicas (SLAVES is the same).",
            "RESET <pattern>", "    Forget what was learnt about the masters matching the pattern.",
            "SENTINELS <master-name>", "    The other Sentinels monitoring a master.",
            "SET <master-name> <option> <value> [<option> <value> ...]", "    Change a master's settings.",
            "SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]", "    Crash at a failover step.",
            "HELP", "    Print this help."});
    }
}
