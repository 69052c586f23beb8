package dev.cinnabar.tests.stress;

import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.diff.Invocation;
import dev.cinnabar.testkit.diff.SequenceGenerator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Inputs for the protocol and command fuzzer: what one connection sends, as the chunks it is
 * written in. Deterministic for a given generator state. Kinds of input:
 *
 * <ul>
 *   <li>valid commands (every command the table binds, arguments from its COMMAND DOCS tree via
 *       {@link SequenceGenerator}) whose numbers are often replaced by extremes (2^31, 2^63,
 *       -2^63-1, 1e309, nan...), plus blocking, pub/sub and connection commands the differential
 *       generator leaves out;</li>
 *   <li>valid frames mutated: truncated, wrong or huge lengths ($2147483647, *999999999),
 *       negative counts, garbage inserted, CR/LF damaged, bits flipped, nested arrays;</li>
 *   <li>inline commands with odd quoting and escapes, over-long inline lines, raw garbage;</li>
 *   <li>headers announcing huge arguments followed by a little data, many-argument frames;</li>
 *   <li>deeply nested structures in scripts: table constructors, cjson and cmsgpack documents,
 *       Lua tables returned as replies, deep recursion.</li>
 * </ul>
 *
 * Left out: what stops or reconfigures the server or would make real Redis itself run out of
 * memory or time with the same input (so both servers can run it): SHUTDOWN, DEBUG, replication,
 * CLIENT PAUSE/KILL, CONFIG SET beyond encodings, and extreme counts or offsets for the commands
 * that allocate or reply in proportion to them (SETBIT, SETRANGE, BITFIELD: 512 MB strings;
 * SRANDMEMBER, HRANDFIELD, ZRANDMEMBER with negative counts: billions of replies, as in Redis).
 */
final class FuzzInputs {
    /** Numbers at and around the edges of int, long, double and Redis's own limits. */
    static final String[] EXTREMES = {"0", "-1", "1", "2147483647", "2147483648", "-2147483648", "-2147483649",
        "4294967296", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "99999999999999999999999999", "1e308", "-1e308", "1e309", "-1e309", "nan", "-nan",
        "inf", "-inf", "+inf", "1.7976931348623157e308", "4.9e-324", "-0", "0x7fffffff", "00000000000000000000001",
        " 1", "1 ", "+5", "", "1e", "--1", "1048576", "536870912", "1000000"};
    /** Commands whose memory or reply size grows with a numeric argument (no extremes for them). */
    private static final Set<String> AMPLIFYING = Set.of("setbit", "setrange", "bitfield", "bitfield_ro", "srandmember",
            "hrandfield", "zrandmember");
    /** Commands besides the differential generator's: blocking, pub/sub, connection state. */
    private static final String[][] EXTRA = {
        {"BLPOP", "k1", "T"}, {"BRPOP", "k1", "k2", "T"}, {"BLMOVE", "k1", "k2", "LEFT", "RIGHT", "T"},
        {"BZPOPMIN", "k1", "T"}, {"BZPOPMAX", "k3", "T"}, {"BLMPOP", "T", "N", "k1", "LEFT", "COUNT", "N"},
        {"BZMPOP", "T", "N", "k1", "MIN", "COUNT", "N"}, {"XREAD", "COUNT", "N", "BLOCK", "T", "STREAMS", "k1", "$"},
        {"XREADGROUP", "GROUP", "g", "c", "COUNT", "N", "BLOCK", "T", "STREAMS", "k1", ">"}, {"WAIT", "N", "T"},
        {"SUBSCRIBE", "ch1", "ch2"}, {"PSUBSCRIBE", "ch*", "[a-"}, {"SSUBSCRIBE", "ch1"}, {"UNSUBSCRIBE"},
        {"PUNSUBSCRIBE", "x"}, {"PUBLISH", "ch1", "m"}, {"SPUBLISH", "ch1", "m"}, {"PUBSUB", "NUMSUB", "ch1"},
        {"CLIENT", "SETNAME", "fuzz"}, {"CLIENT", "GETNAME"}, {"CLIENT", "REPLY", "OFF"}, {"CLIENT", "REPLY", "SKIP"},
        {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "k"}, {"CLIENT", "CACHING", "yes"}, {"CLIENT", "NO-EVICT", "on"},
        {"CLIENT", "LIST"}, {"CLIENT", "INFO"}, {"CLIENT", "ID"}, {"CLIENT", "UNBLOCK", "N", "ERROR"},
        {"CLIENT", "TRACKINGINFO"}, {"CLIENT", "GETREDIR"}, {"MONITOR"}, {"HELLO", "3"}, {"HELLO", "N"},
        {"RESET"}, {"QUIT"}, {"MULTI"}, {"EXEC"}, {"DISCARD"}, {"WATCH", "k1"}, {"SELECT", "N"}, {"SWAPDB", "0", "N"},
        {"SCAN", "0", "COUNT", "N"}, {"SSCAN", "k1", "0", "COUNT", "N"}, {"HSCAN", "k2", "0", "COUNT", "N", "MATCH", "*"},
        {"LRANGE", "k1", "N", "N"}, {"ZRANGE", "k3", "N", "N", "BYSCORE", "LIMIT", "N", "N"},
        {"ZRANGEBYLEX", "k3", "-", "+", "LIMIT", "N", "N"}, {"SORT", "k1", "LIMIT", "N", "N", "ALPHA"},
        {"LPOS", "k1", "a", "RANK", "N", "COUNT", "N", "MAXLEN", "N"}, {"OBJECT", "FREQ", "k1"},
        {"MEMORY", "USAGE", "k1", "SAMPLES", "N"}, {"SLOWLOG", "GET", "N"}, {"LATENCY", "HISTORY", "command"},
        {"INFO", "everything"}, {"XAUTOCLAIM", "k1", "g", "c", "N", "0", "COUNT", "N"}, {"XADD", "k1", "MAXLEN", "~", "N", "*", "f", "v"},
        {"XTRIM", "k1", "MINID", "N"}, {"XRANGE", "k1", "-", "+", "COUNT", "N"}, {"GETEX", "k1", "PX", "N"},
        {"SET", "k4", "v", "PX", "N"}, {"EXPIRE", "k1", "N"}, {"INCRBY", "k5", "N"}, {"INCRBYFLOAT", "k5", "N"},
        {"SINTERCARD", "N", "k1", "k2", "LIMIT", "N"}, {"ZUNIONSTORE", "d", "N", "k3", "WEIGHTS", "N"},
        {"EVAL", "return 1", "N"}, {"FCALL", "f", "N"}, {"GEORADIUS", "k6", "0", "0", "N", "km", "COUNT", "N"},
        {"GETRANGE", "k4", "N", "N"}, {"BITCOUNT", "k4", "N", "N", "BIT"}, {"BITPOS", "k4", "1", "N", "N", "BIT"},
        {"LINSERT", "k1", "BEFORE", "a", "b"}, {"LSET", "k1", "N", "v"}, {"LTRIM", "k1", "N", "N"}};

    /** Commands that run Lua on the server (script hand-off), left out of the protocol stream. */
    private static final Set<String> SCRIPTED = Set.of("eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro");

    private final SequenceGenerator commands;
    private final boolean scripts;

    /**
     * @param scripts whether commands may run scripts (EVAL*, FCALL*): the command stream has them,
     *     the protocol stream (which fuzzes framing, not commands) does without
     */
    FuzzInputs(CommandTable table, boolean scripts) {
        this.scripts = scripts;
        commands = new SequenceGenerator(table, 1, inv -> !scripts && inv.command() != null && SCRIPTED.contains(inv.command()));
    }

    /** One connection's input: the chunks to write, and how long to wait before closing. */
    record Session(String kind, List<byte[]> chunks, int lingerMillis) {
        int size() {
            return chunks.stream().mapToInt(c -> c.length).sum();
        }
    }

    /**
     * Framing: valid frames damaged, inline commands with odd quoting, huge headers, garbage, and
     * mixtures of them with valid frames.
     */
    Session nextProtocol(SplittableRandom r) {
        int kind = r.nextInt(100);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String name;
        if (kind < 40) {
            name = "mutated frames";
            for (int i = 1 + r.nextInt(6); i > 0; i--) {
                byte[] f = frame(command(r));
                out.writeBytes(r.nextInt(3) == 0 ? f : mutate(r, f));
            }
        } else if (kind < 60) {
            name = "inline";
            for (int i = 1 + r.nextInt(6); i > 0; i--) {
                out.writeBytes(inline(r));
            }
        } else if (kind < 75) {
            name = "huge headers";
            out.writeBytes(huge(r));
        } else if (kind < 85) {
            name = "garbage";
            byte[] g = new byte[1 + r.nextInt(r.nextBoolean() ? 64 : 4096)];
            for (int i = 0; i < g.length; i++) {
                g[i] = (byte) (r.nextInt(4) == 0 ? "*$\r\n:+-0123456789"
                        .charAt(r.nextInt(17)) : r.nextInt(256));
            }
            out.writeBytes(g);
        } else {
            name = "mixed";
            for (int i = 2 + r.nextInt(10); i > 0; i--) {
                int k = r.nextInt(4);
                out.writeBytes(k == 0 ? inline(r) : k == 1 ? mutate(r, frame(command(r))) : frame(command(r)));
            }
        }
        return session(r, name, out.toByteArray());
    }

    /**
     * Commands: valid frames of random commands (numbers often extreme), and scripts building or
     * parsing deeply nested structures.
     */
    Session nextCommand(SplittableRandom r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String name;
        if (r.nextInt(100) < 80) {
            name = "commands";
            for (int i = 1 + r.nextInt(12); i > 0; i--) {
                out.writeBytes(frame(command(r)));
            }
        } else {
            name = "deep nesting";
            out.writeBytes(deep(r));
        }
        return session(r, name, out.toByteArray());
    }

    private static Session session(SplittableRandom r, String name, byte[] all) {
        return new Session(name, chunks(r, all), r.nextInt(5) == 0 ? r.nextInt(20) : 0);
    }

    /** Splits the input: in one piece, in a few pieces, or (small inputs) byte by byte. */
    private static List<byte[]> chunks(SplittableRandom r, byte[] all) {
        List<byte[]> out = new ArrayList<>();
        int mode = r.nextInt(10);
        if (mode < 5 || all.length < 2) {
            out.add(all);
            return out;
        }
        int at = 0;
        while (at < all.length) {
            int n = mode == 9 && all.length <= 512 ? 1 : 1 + r.nextInt(Math.max(1, Math.min(all.length, 8192)));
            n = Math.min(n, all.length - at);
            out.add(java.util.Arrays.copyOfRange(all, at, at + n));
            at += n;
        }
        return out;
    }

    static byte[] frame(List<String> args) {
        byte[][] b = new byte[args.size()][];
        for (int i = 0; i < b.length; i++) {
            b[i] = args.get(i).getBytes(StandardCharsets.UTF_8);
        }
        return RespClient.encode(b);
    }

    private static String pick(SplittableRandom r, String[] a) {
        return a[r.nextInt(a.length)];
    }

    private static boolean numeric(String s) {
        if (s.isEmpty() || s.length() > 30) {
            return false;
        }
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A command: from the command table (numbers often made extreme) or from the extras. */
    List<String> command(SplittableRandom r) {
        String[] t = EXTRA[r.nextInt(EXTRA.length)];
        if (r.nextInt(5) == 0 && (scripts || !SCRIPTED.contains(t[0].toLowerCase(java.util.Locale.ROOT)))) {
            List<String> out = new ArrayList<>();
            for (String a : t) {
                out.add(a.equals("T") ? pick(r, new String[] {"0", "0.01", "1", "-1", "nan", "1e308", "9223372036854775807",
                    "0.001", "inf"}) : a.equals("N") ? pick(r, EXTREMES) : a);
            }
            return out;
        }
        Invocation inv = commands.invocation(r, 0);
        List<String> args = new ArrayList<>(inv.args());
        String cmd = inv.command() == null ? "" : inv.command();
        if (AMPLIFYING.contains(cmd) || r.nextInt(3) == 0) {
            return args;
        }
        int from = Math.min(args.size(), cmd.contains("|") ? 2 : 1);
        for (int i = from; i < args.size(); i++) {
            if (numeric(args.get(i)) && r.nextInt(3) == 0) {
                args.set(i, pick(r, EXTREMES));
            }
        }
        if (r.nextInt(10) == 0) {
            args.add(from + r.nextInt(args.size() - from + 1), pick(r, EXTREMES));
        }
        return args;
    }

    /** A frame damaged in one of several ways. */
    static byte[] mutate(SplittableRandom r, byte[] f) {
        String s = new String(f, StandardCharsets.ISO_8859_1);
        switch (r.nextInt(10)) {
            case 0 -> {
                return java.util.Arrays.copyOf(f, r.nextInt(f.length)); // truncated
            }
            case 1 -> { // a bulk length off by a little, or made huge, negative or not a number
                List<Integer> at = positions(s, '$');
                if (!at.isEmpty()) {
                    int p = at.get(r.nextInt(at.size()));
                    int end = s.indexOf('\r', p);
                    String len = pick(r, new String[] {"2147483647", "536870912", "536870911", "-2", "-1", "0",
                        "99999999999999999999", "1x", "", " 3", "+3", "4294967299",
                        Integer.toString(Math.max(0, parse(s.substring(p + 1, Math.max(p + 1, end))) + r.nextInt(7) - 3))});
                    s = s.substring(0, p + 1) + len + s.substring(Math.max(p + 1, end));
                }
            }
            case 2 -> { // the argument count
                int end = s.indexOf('\r');
                String n = pick(r, new String[] {"999999999", "2147483648", "1048577", "1048576", "-1", "-5", "0", "x",
                    "", "99999999999999999999", Integer.toString(Math.max(0, parse(s.substring(1, Math.max(1, end))) + r.nextInt(5) - 2))});
                s = "*" + n + s.substring(Math.max(1, end));
            }
            case 3 -> { // garbage inserted
                int p = r.nextInt(s.length() + 1);
                StringBuilder g = new StringBuilder();
                for (int i = 1 + r.nextInt(8); i > 0; i--) {
                    g.append((char) r.nextInt(256));
                }
                s = s.substring(0, p) + g + s.substring(p);
            }
            case 4 -> s = r.nextBoolean() ? s.replaceFirst("\r\n", "\n") : s.replaceFirst("\r\n", "\r"); // broken line end
            case 5 -> { // bits flipped
                byte[] b = f.clone();
                for (int i = 1 + r.nextInt(3); i > 0; i--) {
                    int p = r.nextInt(b.length);
                    b[p] ^= (byte) (1 << r.nextInt(8));
                }
                return b;
            }
            case 6 -> s = "*2\r\n" + s + s; // an array inside an array: requests may not nest
            case 7 -> s = s.replaceFirst("\\$", r.nextBoolean() ? "*" : ":"); // a wrong type marker
            case 8 -> s = s + "$-1\r\n"; // a null bulk string outside any array
            default -> s = s.substring(0, s.length() - 2) + "xx"; // bulk data longer than announced
        }
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static List<Integer> positions(String s, char c) {
        List<Integer> out = new ArrayList<>();
        for (int i = s.indexOf(c); i >= 0; i = s.indexOf(c, i + 1)) {
            out.add(i);
        }
        return out;
    }

    private static final String[] INLINE = {"SET \"a b\" 'c d'\r\n", "SET \"a\\x41\" \"\\x4\"\r\n", "GET \"\\xZZ\"\r\n",
        "SET \"unterminated\r\n", "SET 'single\r\n", "SET \"a\"b c\r\n", "SET 'a'b c\r\n", "ECHO \"\\\"\"\r\n",
        "ECHO '\\''\r\n", "ECHO \"\\n\\r\\t\\b\\a\"\r\n", "   \r\n", "\r\n", "\n", "PING\n", "PING\r\r\n",
        "PING \t PING\r\n", "\"\"\r\n", "''\r\n", "SET k1 v\0x\r\n", "ECHO \"\0\"\r\n", "EVAL \"return 1\" 0\r\n",
        "GET k1 \"\r\n", "SET \"k\" \"v\" EX \"9223372036854775807\"\r\n", "MULTI\r\nEXEC\r\n", "*\r\n", "$\r\n",
        "-ERR x\r\n", "+OK\r\n", ":1\r\n"};

    /** Inline (telnet-style) commands with odd quoting, escapes, control bytes and long lines. */
    byte[] inline(SplittableRandom r) {
        int k = r.nextInt(10);
        if (k == 0) { // longer than Redis's 64 KB inline limit, or just under it
            int n = r.nextBoolean() ? 70_000 : 60_000;
            return ("ECHO " + "a".repeat(n) + (r.nextBoolean() ? "\r\n" : "")).getBytes(StandardCharsets.ISO_8859_1);
        }
        if (k == 1) { // many arguments on one line
            return ("DEL" + " k".repeat(1 + r.nextInt(20_000)) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        }
        if (k == 2) { // quotes and escapes at random
            StringBuilder sb = new StringBuilder("SET ");
            String parts = "\"'\\ xaZ0\t";
            for (int i = r.nextInt(40); i > 0; i--) {
                sb.append(parts.charAt(r.nextInt(parts.length())));
            }
            return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        }
        String line = pick(r, INLINE);
        return (scripts || !line.startsWith("EVAL") ? line : "PING\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Headers that announce far more than is sent, and frames with very many arguments. */
    static byte[] huge(SplittableRandom r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        switch (r.nextInt(8)) {
            case 0 -> out.writeBytes(ascii("*" + pick(r, new String[] {"999999999", "2147483647", "1048576"})
                    + "\r\n$3\r\nSET\r\n$1\r\na\r\n"));
            case 1 -> { // a big argument announced, some of it sent, then the connection closes
                out.writeBytes(ascii("*3\r\n$3\r\nSET\r\n$2\r\nhk\r\n$" + pick(r, new String[] {"536870911", "536870912",
                    "2147483647", "100000000"}) + "\r\n"));
                out.writeBytes(new byte[r.nextInt(200_000)]);
            }
            case 2 -> out.writeBytes(ascii("*1\r\n$" + pick(r, new String[] {"2147483647", "4294967296",
                "9223372036854775807", "-2147483648"}) + "\r\nPING\r\n"));
            case 3 -> { // a valid frame with very many arguments
                int n = 1 + r.nextInt(r.nextBoolean() ? 1000 : 200_000);
                out.writeBytes(ascii("*" + (n + 1) + "\r\n$3\r\nDEL\r\n"));
                for (int i = 0; i < n; i++) {
                    out.writeBytes(ascii("$1\r\nx\r\n"));
                }
            }
            case 4 -> { // a valid big argument (up to 4 MB)
                int n = r.nextInt(4 << 20);
                out.writeBytes(ascii("*3\r\n$3\r\nSET\r\n$2\r\nbk\r\n$" + n + "\r\n"));
                out.writeBytes(new byte[n]);
                out.writeBytes(ascii("\r\n"));
            }
            case 5 -> { // many small frames at once
                for (int i = r.nextInt(20_000); i > 0; i--) {
                    out.writeBytes(ascii("*1\r\n$4\r\nPING\r\n"));
                }
            }
            case 6 -> out.writeBytes(ascii("*" + pick(r, new String[] {"2", "3"}) + "\r\n$" + "9".repeat(1 + r.nextInt(40))
                    + "\r\n"));
            default -> { // an argument count announced, then a header line that never ends
                out.writeBytes(ascii("*1\r\n$"));
                out.writeBytes(ascii("1".repeat(1 + r.nextInt(100_000))));
            }
        }
        return out.toByteArray();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static final int[] DEPTHS = {10, 100, 199, 200, 1000, 1001, 10_000, 100_000};

    /** Scripts that build or parse deeply nested structures, or recurse deeply (one frame). */
    static byte[] deep(SplittableRandom r) {
        int d = DEPTHS[r.nextInt(DEPTHS.length)];
        int k = r.nextInt(7);
        if (k == 2) { // binary argument: encoded byte for byte
            return RespClient.encode(ascii("EVAL"), ascii("return cmsgpack.unpack(ARGV[1])"), ascii("0"), msgpackNested(d));
        }
        return frame(switch (k) {
            case 0 -> List.of("EVAL", "return " + "{".repeat(d) + "}".repeat(d), "0");
            case 1 -> List.of("EVAL", "return cjson.decode(ARGV[1])", "0", "[".repeat(d) + "]".repeat(d));
            case 3 -> List.of("EVAL", "local t = {} local c = t for i = 1, tonumber(ARGV[1]) do c[1] = {} c = c[1] end "
                    + "return " + pick(r, new String[] {"t", "cjson.encode(t)", "cmsgpack.pack(t)", "#t"}), "0", Integer.toString(d));
            case 4 -> List.of("EVAL", "return " + "(".repeat(d) + "1" + ")".repeat(d), "0");
            case 5 -> List.of("EVAL", "local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end "
                    + "return f(tonumber(ARGV[1]))", "0", Integer.toString(d * 10));
            default -> List.of("EVAL", "return redis.call('ECHO', " + "(".repeat(Math.min(d, 300)) + "'x'"
                    + ")".repeat(Math.min(d, 300)) + ")", "0");
        });
    }

    /** A msgpack document of arrays nested {@code d} deep. */
    private static byte[] msgpackNested(int d) {
        byte[] b = new byte[d + 1];
        java.util.Arrays.fill(b, (byte) 0x91); // a one-element array
        b[d] = (byte) 0xc0; // nil
        return b;
    }
}
