package dev.cinnabar.server.sentinel;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An instance the Sentinel knows (Redis's sentinelRedisInstance): a master it monitors, one of
 * that master's replicas, or another Sentinel monitoring it. Mutated only under the execution
 * lock. Times are milliseconds of the server's clock; 0 means never.
 */
final class Instance {
    enum Kind {
        MASTER("master"), SLAVE("slave"), SENTINEL("sentinel");

        final String text;

        Kind(String text) {
            this.text = text;
        }
    }

    // flags, as Redis names them in SENTINEL MASTER's "flags" field
    static final int S_DOWN = 1;
    static final int O_DOWN = 1 << 1;
    static final int MASTER_DOWN = 1 << 2;
    static final int FAILOVER_IN_PROGRESS = 1 << 3;
    static final int PROMOTED = 1 << 4;
    static final int RECONF_SENT = 1 << 5;
    static final int RECONF_INPROG = 1 << 6;
    static final int RECONF_DONE = 1 << 7;
    static final int FORCE_FAILOVER = 1 << 8;
    static final int SCRIPT_KILL_SENT = 1 << 9;
    /** A master that rebooted (new run id) and has not answered PONG since; not shown in "flags", as in Redis. */
    static final int MASTER_REBOOT = 1 << 10;

    // failover states (SENTINEL_FAILOVER_STATE_*), in order
    static final int FS_NONE = 0;
    static final int FS_WAIT_START = 1;
    static final int FS_SELECT_SLAVE = 2;
    static final int FS_SEND_SLAVEOF_NOONE = 3;
    static final int FS_WAIT_PROMOTION = 4;
    static final int FS_RECONF_SLAVES = 5;
    static final int FS_UPDATE_CONFIG = 6;
    static final String[] FS_NAMES = {"none", "wait_start", "select_slave", "send_slaveof_noone", "wait_promotion",
        "reconf_slaves", "update_config"};

    final Kind kind;
    String name;
    /**
     * The address as Redis's sentinelAddr keeps it: the host as it was given (configuration, INFO,
     * hello; a name or an IP) and the IP it resolved to. Links connect to the IP and addresses are
     * compared by IP; replies, events, hellos and the file show the host under announce-hostnames
     * yes, the IP otherwise ({@link Sentinel#announced}).
     */
    String hostname;
    String ip;
    int port;
    /** The master of a replica or a sentinel; null for a master. */
    final Instance master;
    int flags;
    String runid;
    long configEpoch;

    // the links: cc (commands), pc (Pub/Sub, not for sentinels)
    Link cc;
    Link pc;
    boolean ccConnecting;
    boolean pcConnecting;
    long ccConnTime;
    long pcConnTime;
    long pcLastActivity;
    long lastReconnTime;
    /** When the oldest unanswered PING was sent (0: none outstanding). */
    long actPingTime;
    long lastPingTime;
    long lastPongTime;
    long lastAvailTime;
    long lastPubTime;
    long lastHelloTime;
    long lastMasterDownReplyTime;
    long sDownSinceTime;
    long oDownSinceTime;
    long downAfterPeriod = Timing.DEFAULT_DOWN_AFTER.defaultValue;
    long masterRebootDownAfterPeriod;
    long masterRebootSinceTime;
    long infoRefresh;
    String info;
    Kind roleReported;
    long roleReportedTime;
    long slaveConfChangeTime;

    // master specific
    final Map<String, Instance> sentinels = new LinkedHashMap<>();
    final Map<String, Instance> slaves = new LinkedHashMap<>();
    int quorum;
    int parallelSyncs = 1;
    String authPass;
    String authUser;
    String notificationScript;
    String clientReconfigScript;
    /** rename-command for this master's instances (sentinel rename-command). */
    final Map<String, String> renamedCommands = new LinkedHashMap<>();

    // replica specific
    long masterLinkDownTime;
    int slavePriority = 100;
    int replicaAnnounced = 1;
    long slaveReconfSentTime;
    String slaveMasterHost;
    int slaveMasterPort;
    boolean slaveMasterLinkUp;
    long slaveReplOffset;

    // failover
    /** Master: the leader voted for in leaderEpoch. Sentinel: the leader it voted for. */
    String leader;
    long leaderEpoch;
    long failoverEpoch;
    int failoverState;
    long failoverStateChangeTime;
    long failoverStartTime;
    long failoverTimeout = Timing.DEFAULT_FAILOVER_TIMEOUT.defaultValue;
    long failoverDelayLogged;
    Instance promotedSlave;

    Instance(Kind kind, String name, String hostname, String ip, int port, Instance master) {
        this.kind = kind;
        this.name = name;
        this.hostname = hostname;
        this.ip = ip;
        this.port = port;
        this.master = master;
        this.roleReported = kind == Kind.SENTINEL ? Kind.MASTER : kind;
    }

    boolean is(int flag) {
        return (flags & flag) != 0;
    }

    /** "ip:port", the key of replicas and sentinels (IPv6 addresses in brackets). */
    static String addrKey(String ip, int port) {
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port;
    }

    boolean disconnected() {
        return cc == null || cc.closed() || (kind != Kind.SENTINEL && (pc == null || pc.closed()));
    }

    /** The master this instance belongs to (itself for a master). */
    Instance masterOf() {
        return master == null ? this : master;
    }

    /** A command's name as the watched instances know it (sentinel rename-command). */
    String command(String name) {
        Instance m = masterOf();
        String r = m.renamedCommands.get(name.toLowerCase(java.util.Locale.ROOT));
        return r == null ? name : r;
    }

    /** The flags' names in SENTINEL MASTER's "flags" field, in Redis's order. */
    private static final int[] FLAG_BITS = {S_DOWN, O_DOWN, MASTER_DOWN, FAILOVER_IN_PROGRESS, PROMOTED, RECONF_SENT,
        RECONF_INPROG, RECONF_DONE, FORCE_FAILOVER, SCRIPT_KILL_SENT};
    private static final String[] FLAG_NAMES = {"s_down", "o_down", "master_down", "failover_in_progress", "promoted",
        "reconf_sent", "reconf_inprog", "reconf_done", "force_failover", "script_kill_sent"};

    String flagsText() {
        StringBuilder sb = new StringBuilder(kind.text);
        if (disconnected()) {
            sb.append(",disconnected");
        }
        for (int i = 0; i < FLAG_BITS.length; i++) {
            if (is(FLAG_BITS[i])) {
                sb.append(',').append(FLAG_NAMES[i]);
            }
        }
        return sb.toString();
    }

    void closeLinks() {
        if (cc != null) {
            cc.close();
            cc = null;
        }
        if (pc != null) {
            pc.close();
            pc = null;
        }
        actPingTime = 0;
    }
}
