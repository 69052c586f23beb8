package dev.cinnabar.server.command.server;

import dev.cinnabar.server.config.ConfigFile;
import dev.cinnabar.server.memory.HtStats;
import dev.cinnabar.server.persistence.Persistence;
import dev.cinnabar.server.persistence.rdb.RdbBuffer;
import dev.cinnabar.server.persistence.rdb.RdbValues;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.Strings;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * DEBUG, for tests and operators: the subcommands whose meaning carries over to this server
 * (SLEEP, LOG, ERROR, HTSTATS, POPULATE, OBJECT, DIGEST, DIGEST-VALUE, PROTOCOL, LISTPACK, QUICKLIST,
 * QUICKLIST-PACKED-THRESHOLD, PAUSE-CRON, SET-ACTIVE-EXPIRE, CHANGE-REPL-ID, CONFIG-REWRITE-FORCE-ALL, REPLICATE,
 * RELOAD, LOADAOF, HELP). The others (crash, allocator, C
 * structure sizes) answer Redis's unknown-subcommand error. Refused unless enable-debug-command
 * allows it, as in Redis 7.0 where it defaults to "no".
 */
final class DebugCommand {
    private static final String[] HELP = {
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "AOF-FLUSH-SLEEP <microsec>",
        "    Make each write of the AOF buffer to the file wait <microsec> first (0 turns it off).",
        "CHANGE-REPL-ID",
        "    Give this server a new replication ID.",
        "CONFIG-REWRITE-FORCE-ALL",
        "    Like CONFIG REWRITE, but write every directive to the file, those at their default too.",
        "DIGEST",
        "    A 40-digit hex signature of the whole dataset (all zeros when it is empty).",
        "DIGEST-VALUE <key> [<key> ...]",
        "    A signature of the value (and whether it has a TTL) of each key.",
        "ERROR <string>",
        "    Reply with <string> as an error.",
        "HTSTATS <dbid>",
        "    Return hash table statistics of the specified Redis database.",
        "HTSTATS-KEY <key>",
        "    Like HTSTATS but for the hash table stored at <key>'s value.",
        "LOADAOF",
        "    Flush the AOF buffers on disk, empty the dataset and reload it from the append-only file.",
        "LISTPACK <key>",
        "    Print the entries of a listpack-encoded value on the server's standard output.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "OBJECT <key>",
        "    Low level facts about the value at <key> (encoding, serialized length, LRU clock).",
        "PAUSE-CRON <0|1>",
        "    Stop (1) or resume (0) the periodic work: expiry cycle, client timeouts, statistics.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys <prefix>:<n> (prefix defaults to 'key') holding 'value:<n>', padded",
        "    or cut to <size> bytes when <size> is given. Existing keys are left alone.",
        "PROTOCOL <type>",
        "    Reply with a sample value of a RESP type: string, integer, double, bignum, null, array, set,",
        "    map, attrib, push, verbatim, true, false.",
        "RELOAD [MERGE] [NOFLUSH]",
        "    Save the dataset as RDB, empty it (unless NOFLUSH) and load the RDB back (MERGE: loaded",
        "    keys replace existing ones).",
        "QUICKLIST-PACKED-THRESHOLD <size>",
        "    List elements of at least <size> bytes (a memory value) get a node of their own; 0 restores",
        "    the 1gb default, at most 4gb.",
        "QUICKLIST <key> [<0|1>]",
        "    Print the node figures of a list on the server's standard output (1: with its bytes).",
        "REPLICATE <string>",
        "    Send the command to the replicas only (not run here), so they diverge from this server.",
        "REPLYBUFFER PEAK-RESET-TIME <NEVER|RESET|<ms>>",
        "    Milliseconds between resets of the clients' reply buffer peaks (NEVER: the peak is kept,",
        "    RESET: back to the default of 5000).",
        "REPLYBUFFER RESIZING <0|1>",
        "    Stop (0) or resume (1) the cron's resizing of the clients' reply buffers.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Turn the active expiry of keys off (0) or on (1); keys still expire when accessed.",
        "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
        "    Accept RESTORE payloads and RDB files whatever their CRC-64 (1), or check it again (0).",
        "SLEEP <seconds>",
        "    Block the whole server for <seconds> (a decimal number).",
        "HELP",
        "    Print this help.",
    };

    /** The gate's check of enable-debug-command ("no", "yes", "local": loopback clients only). */
    static String refusal(Client c) {
        String mode = c.server().config().enableDebugCommand;
        return mode.equals("no") || (mode.equals("local") && !ServerCommands.isLocal(c)) ? Errors.DEBUG_NOT_ALLOWED : null;
    }

    private static void configRewriteForceAll(Client c) {
        String file = c.server().config().configFile;
        String why;
        if (file == null) {
            why = Errors.NO_CONFIG_FILE_ERRNO;
        } else {
            try {
                dev.cinnabar.server.config.ConfigRewrite.rewrite(c.server().config(), java.nio.file.Path.of(file), true);
                c.reply().ok();
                return;
            } catch (java.io.IOException | RuntimeException e) {
                why = e.getMessage();
            }
        }
        c.error(String.format(Errors.CONFIG_REWRITE_FORCE_ALL_FAILED, why));
    }

    void debug(Client c) {
        String sub = Texts.str(c.arg(1)).toLowerCase(Locale.ROOT);
        int argc = c.argc();
        switch (sub) {
            case "help" -> {
                if (argc == 2) {
                    ServerCommands.help(c, HELP);
                    return;
                }
            }
            case "sleep" -> {
                if (argc == 3) {
                    sleep(c);
                    return;
                }
            }
            case "log" -> {
                if (argc == 3) {
                    c.server().log().warning("DEBUG LOG: " + Texts.str(c.arg(2)));
                    c.reply().ok();
                    return;
                }
            }
            case "error" -> {
                if (argc == 3) {
                    c.error(Texts.str(c.arg(2)));
                    return;
                }
            }
            case "htstats" -> {
                if (argc == 3) {
                    htstats(c);
                    return;
                }
            }
            case "htstats-key" -> {
                if (argc == 3) {
                    htstatsKey(c);
                    return;
                }
            }
            case "populate" -> {
                if (argc >= 3 && argc <= 5) {
                    populate(c);
                    return;
                }
            }
            case "object" -> {
                if (argc == 3) {
                    object(c);
                    return;
                }
            }
            case "set-active-expire" -> {
                if (argc == 3) {
                    // atoi as Redis: anything that does not start with a non-zero number turns it off
                    c.server().keyspace().activeExpire().enabled(atoi(Texts.str(c.arg(2))) != 0);
                    c.reply().ok();
                    return;
                }
            }
            case "set-skip-checksum-validation" -> {
                if (argc == 3) {
                    Persistence.of(c.server()).skipChecksumValidation = atoi(Texts.str(c.arg(2))) != 0;
                    c.reply().ok();
                    return;
                }
            }
            case "digest" -> {
                if (argc == 2) {
                    c.reply().simple(Digest.hex(new Digest().dataset(c.server().keyspace())));
                    return;
                }
            }
            case "digest-value" -> {
                Digest d = new Digest();
                c.reply().array(argc - 2);
                for (int j = 2; j < argc; j++) {
                    c.reply().simple(Digest.hex(d.key(c.db(), c.arg(j))));
                }
                return;
            }
            case "protocol" -> {
                if (argc == 3) {
                    protocol(c);
                    return;
                }
            }
            case "listpack" -> {
                if (argc == 3) {
                    listpack(c);
                    return;
                }
            }
            case "quicklist" -> {
                if (argc == 3 || argc == 4) {
                    quicklist(c);
                    return;
                }
            }
            case "reload" -> {
                reload(c);
                return;
            }
            case "loadaof" -> {
                // persistence.aof: flush, empty, replay the manifest's files (Redis's shared.err on failure)
                if (dev.cinnabar.server.persistence.aof.Aof.of(c.server()).debugLoadAof()) {
                    c.reply().ok();
                } else {
                    c.error(Errors.ERR);
                }
                return;
            }
            case "aof-flush-sleep" -> {
                if (argc == 3) {
                    // atoi as Redis: no number is 0 (off)
                    dev.cinnabar.server.persistence.aof.Aof.of(c.server()).debugFlushSleep(atoi(Texts.str(c.arg(2))));
                    c.reply().ok();
                    return;
                }
            }
            case "quicklist-packed-threshold" -> {
                if (argc == 3) {
                    long size = dev.cinnabar.server.config.ServerConfig.memtoull(Texts.str(c.arg(2)));
                    if (size < 0 || !dev.cinnabar.server.store.list.QuickList.packedThreshold(size)) {
                        c.error(Errors.PACKED_THRESHOLD);
                    } else {
                        c.reply().ok();
                    }
                    return;
                }
            }
            case "set-disable-deny-scripts" -> {
                if (argc == 3) {
                    // atoi as Redis: while on, scripts may call commands flagged noscript
                    c.server().dispatcher().scriptDenyDisabled = atoi(Texts.str(c.arg(2))) != 0;
                    c.reply().ok();
                    return;
                }
            }
            case "pause-cron" -> {
                if (argc == 3) {
                    // atoi as Redis: 0 (or no number) resumes, anything else pauses
                    c.server().cron().paused(atoi(Texts.str(c.arg(2))) != 0);
                    c.reply().ok();
                    return;
                }
            }
            case "replybuffer" -> {
                if (argc == 4 && replyBuffer(c)) {
                    return;
                }
            }
            case "config-rewrite-force-all" -> {
                if (argc == 2) {
                    configRewriteForceAll(c);
                    return;
                }
            }
            case "change-repl-id" -> {
                if (argc == 2) {
                    dev.cinnabar.server.replication.Replication.of(c.server()).changeReplicationId();
                    c.server().log().warning("Changing replication IDs after receiving DEBUG change-repl-id");
                    c.reply().ok();
                    return;
                }
            }
            case "replicate" -> {
                if (argc >= 3) {
                    byte[][] cmd = new byte[argc - 2][];
                    for (int i = 2; i < argc; i++) {
                        cmd[i - 2] = c.arg(i);
                    }
                    dev.cinnabar.server.replication.Replication.of(c.server()).debugReplicate(cmd);
                    c.reply().ok();
                    return;
                }
            }
            default -> {
                // unknown: Redis's error below
            }
        }
        c.error("ERR unknown subcommand or wrong number of arguments for '" + Texts.truncate(Texts.str(c.arg(1)), 128)
                + "'. Try DEBUG HELP.");
    }

    /**
     * DEBUG REPLYBUFFER PEAK-RESET-TIME NEVER|RESET|ms and RESIZING 0|1 (atoi as Redis): the knobs of
     * the cron's reply buffer resize. False for an unknown knob (the caller's unknown-subcommand
     * error, as Redis).
     */
    private static boolean replyBuffer(Client c) {
        var mem = c.server().clients().memory();
        String knob = Texts.str(c.arg(2)).toLowerCase(Locale.ROOT);
        String v = Texts.str(c.arg(3));
        if (knob.equals("peak-reset-time")) {
            if (v.equalsIgnoreCase("never")) {
                mem.replyPeakResetMillis(-1);
            } else if (v.equalsIgnoreCase("reset")) {
                mem.replyPeakResetMillis(dev.cinnabar.server.session.ReplyBuffer.DEFAULT_PEAK_RESET_MILLIS);
            } else {
                Long ms = Numbers.parseLong(c.arg(3));
                if (ms == null) {
                    c.error(Errors.NOT_INTEGER);
                    return true;
                }
                mem.replyPeakResetMillis(ms);
            }
        } else if (knob.equals("resizing")) {
            mem.replyResizing(atoi(v) != 0);
        } else {
            return false;
        }
        c.reply().ok();
        return true;
    }

    /**
     * DEBUG PROTOCOL type: one sample reply of each RESP3 type, for client tests. An attribute or
     * a push comes with a normal reply after it (both are out-of-band); RESP2 clients get no
     * attribute and an error for push, as Redis does.
     */
    private static void protocol(Client c) {
        Reply r = c.reply();
        switch (Texts.str(c.arg(2)).toLowerCase(Locale.ROOT)) {
            case "string" -> r.bulk("Hello World");
            case "integer" -> r.integer(12345);
            case "double" -> r.dbl(3.141);
            case "bignum" -> r.bigNumber("1234567999999999999999999999999999999");
            case "null" -> r.nullBulk();
            case "array" -> {
                r.array(3);
                for (int j = 0; j < 3; j++) {
                    r.integer(j);
                }
            }
            case "set" -> {
                r.set(3);
                for (int j = 0; j < 3; j++) {
                    r.integer(j);
                }
            }
            case "map" -> {
                r.map(3);
                for (int j = 0; j < 3; j++) {
                    r.integer(j);
                    r.bool(j == 1);
                }
            }
            case "attrib" -> {
                if (r.attribute(1)) {
                    r.bulk("key-popularity");
                    r.array(2);
                    r.bulk("key:123");
                    r.integer(90);
                }
                r.bulk("Some real reply following the attribute");
            }
            case "push" -> {
                if (r.protocol() < 3) {
                    c.error(Errors.RESP2_NOT_SUPPORTED);
                    return;
                }
                r.push(2);
                r.bulk("server-cpu-usage");
                r.integer(42);
                r.bulk("Some real reply following the push reply");
            }
            case "true" -> r.bool(true);
            case "false" -> r.bool(false);
            case "verbatim" -> r.verbatim("txt", "This is a verbatim\nstring");
            default -> c.error(Errors.DEBUG_PROTOCOL_TYPE);
        }
    }

    /** The value at argv[2] for DEBUG LISTPACK/QUICKLIST (no access-time update), or null after an error. */
    private static Object lookup(Client c) {
        Object v = c.db().lookup(c.arg(2), Db.LOOKUP_NOTOUCH | Db.LOOKUP_NONOTIFY | Db.LOOKUP_NOSTATS);
        if (v == null) {
            c.error(Errors.NO_SUCH_KEY);
        }
        return v;
    }

    /**
     * DEBUG LISTPACK key: writes the entries of a listpack-encoded hash or sorted set to standard
     * output (as Redis prints its listpack there), one line per entry with its index and bytes.
     */
    private static void listpack(Client c) {
        Object v = lookup(c);
        if (v == null) {
            return;
        }
        if (!"listpack".equals(dev.cinnabar.server.store.Values.encoding(v))) {
            c.error(Errors.NOT_LISTPACK);
            return;
        }
        java.util.List<String> entries = new java.util.ArrayList<>();
        if (v instanceof dev.cinnabar.server.store.hash.RHash h) {
            h.forEach((f, val) -> {
                entries.add(ConfigFile.repr(f));
                entries.add(ConfigFile.repr(val));
            });
        } else if (v instanceof dev.cinnabar.server.store.zset.ZSet z) {
            z.forEach((m, score) -> {
                entries.add(ConfigFile.repr(m));
                entries.add(dev.cinnabar.server.util.Doubles.fmt17g(score));
                return true;
            });
        }
        StringBuilder sb = new StringBuilder("{num entries ").append(entries.size()).append("}\n");
        for (int i = 0; i < entries.size(); i++) {
            sb.append("{index ").append(i).append(": ").append(entries.get(i)).append("}\n");
        }
        sb.append("{end}\n");
        System.out.print(sb);
        System.out.flush();
        c.reply().simple("Listpack structure printed on stdout");
    }

    /**
     * DEBUG QUICKLIST key [0|1]: writes a list's figures (elements, nodes, fill, compress depth) to
     * standard output, and with 1 the bytes its nodes hold too.
     */
    private static void quicklist(Client c) {
        Object v = lookup(c);
        if (v == null) {
            return;
        }
        if (!(v instanceof dev.cinnabar.server.store.list.QuickList q)) {
            c.error(Errors.NOT_QUICKLIST);
            return;
        }
        boolean full = c.argc() == 4 && atoi(Texts.str(c.arg(3))) != 0;
        StringBuilder sb = new StringBuilder("{count : ").append(q.size()).append("}\n{len : ")
                .append(q.nodeCount()).append("}\n{fill : ").append(c.server().config().listMaxListpackSize)
                .append("}\n{compress : ").append(c.server().config().listCompressDepth).append("}\n");
        if (full) {
            sb.append("{bytes : ").append(q.bytes()).append("}\n");
        }
        System.out.print(sb);
        System.out.flush();
        c.reply().simple("Quicklist structure printed on stdout");
    }

    /** Redis reads the time with strtod and ignores what does not parse (so "abc" sleeps 0). */
    private static void sleep(Client c) {
        double secs = strtod(Texts.str(c.arg(2)));
        long micros = (long) (secs * 1_000_000);
        if (micros > 0) {
            try {
                Thread.sleep(micros / 1000, (int) (micros % 1000) * 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        c.reply().ok();
    }

    /** C's atoi: optional spaces and sign, then digits; 0 when there are none. */
    static long atoi(String s) {
        String t = s.stripLeading();
        int i = 0;
        if (i < t.length() && (t.charAt(i) == '-' || t.charAt(i) == '+')) {
            i++;
        }
        int start = i;
        while (i < t.length() && Character.isDigit(t.charAt(i)) && i - start < 18) {
            i++;
        }
        return i == start ? 0 : Long.parseLong(t.substring(0, i).replace("+", ""));
    }

    /** The longest leading decimal number of s, as strtod reads it; 0 when there is none. */
    static double strtod(String s) {
        String t = s.stripLeading();
        for (int end = t.length(); end > 0; end--) {
            try {
                String head = t.substring(0, end);
                if (head.endsWith("d") || head.endsWith("D") || head.endsWith("f") || head.endsWith("F")) {
                    continue; // Java's suffixes are not C's
                }
                return Double.parseDouble(head);
            } catch (NumberFormatException e) {
                // shorter prefix
            }
        }
        return 0;
    }

    private static void htstats(Client c) {
        Long id = Numbers.parseLong(c.arg(2));
        if (id == null) {
            c.error(Errors.NOT_INTEGER);
        } else if (id < 0 || id >= c.server().keyspace().count()) {
            c.error(Errors.DEBUG_DB_RANGE);
        } else {
            c.reply().verbatim("txt", HtStats.of(c.server().keyspace().db(id.intValue())));
        }
    }

    /** DEBUG HTSTATS-KEY: the table of a hash, set or sorted set held in a hash table (Redis's objectCommandLookup). */
    private static void htstatsKey(Client c) {
        Object v = c.db().lookup(c.arg(2), Db.LOOKUP_NOTOUCH | Db.LOOKUP_NONOTIFY);
        if (v == null) {
            c.error(Errors.NO_SUCH_KEY);
            return;
        }
        dev.cinnabar.server.store.set.BytesTable<?> t = null;
        if (v instanceof dev.cinnabar.server.store.hash.RHash h) {
            t = h.hashTable();
        } else if (v instanceof dev.cinnabar.server.store.set.RSet s) {
            t = s.hashTable();
        } else if (v instanceof dev.cinnabar.server.store.zset.ZSet z) {
            t = z.hashTable();
        }
        if (t == null) {
            c.error(Errors.NOT_A_HASH_TABLE);
        } else {
            c.reply().verbatim("txt", HtStats.ofTable(t));
        }
    }

    private static void populate(Client c) {
        // Redis's getPositiveLongFromObjectOrReply: one error for "not a number" and "negative".
        Long count = Numbers.parseLong(c.arg(2));
        if (count == null || count < 0) {
            c.error(Errors.NOT_POSITIVE);
            return;
        }
        String prefix = c.argc() >= 4 ? Texts.str(c.arg(3)) : "key";
        long size = 0;
        if (c.argc() == 5) {
            Long s = Numbers.parseLong(c.arg(4));
            if (s == null || s < 0) {
                c.error(Errors.NOT_POSITIVE);
                return;
            }
            size = s;
        }
        if (size > c.server().config().protoMaxBulkLen) {
            c.error(Errors.STRING_TOO_LONG);
            return;
        }
        Db db = c.db();
        for (long j = 0; j < count; j++) {
            byte[] key = (prefix + ":" + j).getBytes(StandardCharsets.UTF_8);
            if (db.lookup(key, Db.LOOKUP_WRITE | Db.LOOKUP_NOSTATS | Db.LOOKUP_NONOTIFY) != null
                    || db.rawEntry(key) != null) {
                // the second: a logically expired key a read-only replica keeps for its master's
                // DEL (Redis 7.0.15 fails an assertion there and exits; we leave the key)
                continue;
            }
            byte[] val = ("value:" + j).getBytes(StandardCharsets.UTF_8);
            if (size > 0) {
                val = Arrays.copyOf(val, (int) size);
            }
            db.add(key, Strings.encode(val));
            db.signalModified(key);
        }
        c.reply().ok();
    }

    /**
     * DEBUG OBJECT key: Redis's one-line status. "Value at" is the value's identity hash (there is no
     * address to show), serializedlength the length of the value's RDB encoding as SAVE would write
     * it (with rdbcompression's setting), lru/lru_seconds_idle come from the entry's access clock, and lists add their node figures.
     */
    private static void object(Client c) {
        var db = c.db();
        var e = db.rawEntry(c.arg(2)); // as Redis: the dict as it is, a logically expired key included
        if (e == null) {
            c.error("ERR no such key");
            return;
        }
        Object v = e.value();
        StringBuilder sb = new StringBuilder("Value at:0x").append(Integer.toHexString(System.identityHashCode(v)))
                .append(" refcount:").append(dev.cinnabar.server.store.Strings.isShared(v) ? Integer.MAX_VALUE : 1)
                .append(" encoding:").append(dev.cinnabar.server.store.Values.encoding(v))
                .append(" serializedlength:").append(serializedLength(c, v))
                .append(" lru:").append(e.lru())
                .append(" lru_seconds_idle:").append(c.server().keyspace().idleSeconds(e));
        if (v instanceof dev.cinnabar.server.store.list.QuickList q) {
            int nodes = Math.max(1, q.nodeCount());
            sb.append(" ql_nodes:").append(q.nodeCount())
                    .append(" ql_avg_node:").append(String.format(Locale.ROOT, "%.2f", (double) q.size() / nodes))
                    .append(" ql_listpack_max:").append(c.server().config().get("list-max-listpack-size"))
                    .append(" ql_compressed:").append(q.compressDepth() != 0 ? 1 : 0)
                    .append(" ql_uncompressed_size:").append(uncompressedLength(v));
        }
        c.reply().simple(sb.toString());
    }

    /** ql_uncompressed_size: the value's RDB length without LZF. */
    private static long uncompressedLength(Object v) {
        RdbBuffer out = new RdbBuffer(false);
        return RdbValues.write(out, v) ? out.size() - 1 : 0;
    }

    /** The length of the value's RDB encoding (without type byte and key), as Redis's rdbSavedObjectLen. */
    private static long serializedLength(Client c, Object v) {
        RdbBuffer out = new RdbBuffer(c.server().config().rdbcompression);
        return RdbValues.write(out, v) ? out.size() - 1 : 0;
    }


    /**
     * DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: saves the dataset to the dump file (unless NOSAVE),
     * empties it (unless NOFLUSH) and loads the file back (MERGE: loaded keys replace existing
     * ones), so every value comes back through the RDB encodings as after a restart.
     */
    private static void reload(Client c) {
        boolean merge = false;
        boolean flush = true;
        boolean nosave = false;
        for (int i = 2; i < c.argc(); i++) {
            String opt = Texts.str(c.arg(i)).toLowerCase(Locale.ROOT);
            switch (opt) {
                case "merge" -> merge = true;
                case "noflush" -> flush = false;
                case "nosave" -> nosave = true;
                default -> {
                    c.error(Errors.RELOAD_OPTIONS);
                    return;
                }
            }
        }
        String err = Persistence.of(c.server()).debugReload(nosave, flush, merge);
        if (err != null) {
            c.error(err);
        } else {
            c.reply().ok();
        }
    }
}
