package dev.cinnabar.testkit.diff;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.CommandTable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * Random command sequences driven by the command table: every command Cinnabar implements (and
 * {@link Exclusions} allows) is invoked with arguments built from its COMMAND DOCS argument tree
 * (key, string, integer, double, pattern, unix-time, pure-token, oneof, block; optional,
 * multiple, multiple_token; tokens). Values come from small alphabets so that commands collide on
 * the same keys, fields and members and run into type errors; a share of invocations is made
 * slightly invalid (a dropped, extra or garbled argument), of the wrong arity, or an unknown
 * command. Commands bound later by other families are picked up without changes here.
 *
 * <p>Deterministic: the same seed and the same table give the same sequence.
 */
public final class SequenceGenerator {
    private static final ObjectMapper DOCS = new ObjectMapper();
    /** The keys every sequence shares (few, so commands collide). */
    public static final List<String> KEYS = List.of("k1", "k2", "k3", "{k}4");
    static final String[] FIELDS = {"f1", "f2", "f3", "1"};
    static final String[] MEMBERS = {"a", "b", "c", "1", "2", "-3", "1.5"};
    static final String[] VALUES = {"v1", "v2", "a", "1", "2", "-3", "10", "3.5", "", "k1", "9223372036854775807",
        "0x10", " 1", "héllo"};
    static final String LONG_VALUE = "x".repeat(80); // crosses the listpack value limits (64)
    static final String[] INTEGERS = {"0", "1", "2", "3", "-1", "5", "10", "100", "-100"};
    static final String[] ODD_INTEGERS = {"9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "1.5", "x", "", "+1", "01"};
    static final String[] DOUBLES = {"0", "1", "2.5", "-1.5", "1e3", "0.1", "inf", "-inf", "+inf", "3"};
    static final String[] ODD_DOUBLES = {"nan", "x", "", "1e400", "1.5.1", "(1"};
    /** For arguments that are durations: never a few ms, which would race between the servers. */
    static final String[] DURATIONS = {"100", "1000", "100000", "3600"};
    static final String[] DURATIONS_MS = {"100000", "1000000", "3600000"};
    static final String[] ODD_DURATIONS = {"0", "-1", "x", "9223372036854775807", "-9223372036854775808"};
    static final String[] SCORE_RANGES = {"-inf", "+inf", "(1", "0", "1", "2.5", "(2", "-1", "3", "x"};
    static final String[] LEX_RANGES = {"-", "+", "[a", "(b", "[c", "(a", "a", "[1"};
    /** Valid coordinates near each other (and a few at the edges) so GEO searches find members. */
    static final String[] LONGITUDES = {"13.361389", "15.087269", "13.5", "-180", "180", "0", "13.4", "181"};
    static final String[] LATITUDES = {"38.115556", "37.502669", "38", "85.05112878", "-85.05112878", "0", "86"};
    static final String[] BIT_OPS = {"AND", "OR", "XOR", "NOT", "and", "NAND"};
    static final String[] BITFIELD_TYPES = {"u8", "i8", "u1", "i16", "u63", "i64", "u64", "x"};
    static final String[] PATTERNS = {"*", "k*", "k?", "[a-k]*", "*1", "nomatch*", "f*", "\\k1"};
    static final String[] UNKNOWN = {"foo", "gett", "set2", "lpushx2", "cinnabar"};
    static final String[] GARBAGE = {"FOO", "x", "-1", "", "NX", "COUNT"};

    /** CONFIG SET parameters that only change encodings; the differ restores them. */
    public static final Map<String, String[]> SAFE_CONFIG = new LinkedHashMap<>();

    static {
        SAFE_CONFIG.put("hash-max-listpack-entries", new String[] {"0", "1", "2", "128"});
        SAFE_CONFIG.put("hash-max-listpack-value", new String[] {"0", "1", "64"});
        SAFE_CONFIG.put("zset-max-listpack-entries", new String[] {"0", "1", "2", "128"});
        SAFE_CONFIG.put("zset-max-listpack-value", new String[] {"0", "1", "64"});
        SAFE_CONFIG.put("set-max-intset-entries", new String[] {"0", "1", "2", "512"});
        SAFE_CONFIG.put("list-max-listpack-size", new String[] {"1", "2", "-1", "-2", "128"});
    }

    private final List<CommandSpec> commands;
    private final boolean hasHello;
    private final boolean hasConfigSet;
    private final int length;
    private final Predicate<Invocation> skip;

    /** Per-invocation probabilities (out of 1000). */
    private static final int P_UNKNOWN = 20;
    private static final int P_ARITY = 40;
    private static final int P_MUTATE = 60;
    private static final int P_CONFIG_SET = 15;

    public SequenceGenerator(CommandTable table, int length) {
        this(table, length, inv -> false);
    }

    /**
     * @param skip invocations never to produce (a test's known, reported bugs); a skipped
     *     invocation is replaced by another draw, so sequences stay deterministic
     */
    public SequenceGenerator(CommandTable table, int length, Predicate<Invocation> skip) {
        this.skip = skip;
        List<CommandSpec> l = new ArrayList<>();
        for (CommandSpec s : table.commands()) {
            if (s.hasSubcommands()) {
                for (CommandSpec sub : s.subcommands()) {
                    if (Exclusions.allowed(sub)) {
                        l.add(sub);
                    }
                }
            } else if (Exclusions.allowed(s)) {
                l.add(s);
            }
        }
        l.sort((a, b) -> a.fullName().compareTo(b.fullName()));
        this.commands = Collections.unmodifiableList(l);
        this.hasHello = table.lookup("hello") != null;
        this.hasConfigSet = table.lookup("config|set") != null;
        this.length = length;
    }

    /** The commands sequences draw from, in name order. */
    public List<CommandSpec> commands() {
        return commands;
    }

    public Sequence generate(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int roll = r.nextInt(10);
        int clients = roll < 7 ? 1 : roll < 9 ? 2 : 3;
        List<Invocation> steps = new ArrayList<>();
        if (hasHello && r.nextInt(4) == 0) {
            for (int c = 0; c < clients; c++) {
                steps.add(new Invocation(c, List.of("HELLO", "3"), "hello"));
            }
        }
        while (steps.size() < length) {
            steps.add(invocation(r, r.nextInt(clients)));
        }
        return new Sequence(seed, clients, steps);
    }

    /** One invocation for the given client. */
    public Invocation invocation(SplittableRandom r, int client) {
        for (int attempt = 0; ; attempt++) {
            Invocation inv = draw(r, client);
            if (attempt >= 1000 || !skip.test(inv)) {
                return inv;
            }
        }
    }

    private Invocation draw(SplittableRandom r, int client) {
        int p = r.nextInt(1000);
        if (p < P_UNKNOWN || commands.isEmpty()) {
            List<String> a = new ArrayList<>();
            a.add(pick(r, UNKNOWN));
            for (int i = r.nextInt(3); i > 0; i--) {
                a.add(pick(r, VALUES));
            }
            return new Invocation(client, a, null);
        }
        if (hasConfigSet && p < P_UNKNOWN + P_CONFIG_SET) {
            List<String> names = new ArrayList<>(SAFE_CONFIG.keySet());
            String name = names.get(r.nextInt(names.size()));
            return new Invocation(client, List.of("CONFIG", "SET", name, pick(r, SAFE_CONFIG.get(name))),
                    "config|set");
        }
        CommandSpec s = commands.get(r.nextInt(commands.size()));
        List<String> args = new ArrayList<>(name(r, s));
        int nameLen = args.size();
        if (p < P_UNKNOWN + P_CONFIG_SET + P_ARITY) {
            wrongArity(r, s, args);
        } else {
            // the table keeps docs as plain values (the server reads it without databind)
            JsonNode tree = s.docs() == null ? null : DOCS.valueToTree(s.docs()).get("arguments");
            if (tree != null) {
                block(r, s, tree, args);
            }
            if (p < P_UNKNOWN + P_CONFIG_SET + P_ARITY + P_MUTATE) {
                mutate(r, args, nameLen);
            }
        }
        return new Invocation(client, args, s.fullName());
    }

    private static List<String> name(SplittableRandom r, CommandSpec s) {
        List<String> out = new ArrayList<>();
        if (s.parent() != null) {
            out.add(casing(r, s.parent().name()));
        }
        out.add(casing(r, s.name()));
        return out;
    }

    /** Mostly upper case, sometimes lower or mixed (names and tokens are case-insensitive). */
    private static String casing(SplittableRandom r, String s) {
        int c = r.nextInt(10);
        if (c < 6) {
            return s.toUpperCase(Locale.ROOT);
        }
        if (c < 9) {
            return s.toLowerCase(Locale.ROOT);
        }
        StringBuilder sb = new StringBuilder();
        for (char ch : s.toCharArray()) {
            sb.append(r.nextBoolean() ? Character.toUpperCase(ch) : Character.toLowerCase(ch));
        }
        return sb.toString();
    }

    private void wrongArity(SplittableRandom r, CommandSpec s, List<String> args) {
        int arity = s.arity();
        int argc = arity > 0 ? (r.nextBoolean() && arity > 1 ? arity - 1 : arity + 1) : Math.max(1, -arity - 1);
        while (args.size() > argc) {
            args.remove(args.size() - 1);
        }
        while (args.size() < argc) {
            args.add(KEYS.get(r.nextInt(KEYS.size())));
        }
    }

    private static void mutate(SplittableRandom r, List<String> args, int nameLen) {
        int n = args.size() - nameLen;
        switch (r.nextInt(4)) {
            case 0 -> {
                if (n > 0) {
                    args.remove(nameLen + r.nextInt(n));
                }
            }
            case 1 -> args.add(nameLen + r.nextInt(n + 1), pick(r, GARBAGE));
            case 2 -> {
                if (n > 0) {
                    args.set(nameLen + r.nextInt(n), pick(r, GARBAGE));
                }
            }
            default -> {
                if (n > 0) {
                    int i = nameLen + r.nextInt(n);
                    args.add(i, args.get(i));
                }
            }
        }
    }

    /** Generates the arguments of a block (or the top level) in order. */
    private void block(SplittableRandom r, CommandSpec s, JsonNode children, List<String> out) {
        int numkeysAt = -1;
        for (JsonNode a : children) {
            String name = a.path("name").asText();
            if (a.path("type").asText().equals("integer") && !a.has("token") && name.equals("numkeys")) {
                // A count followed by that many keys: filled in once the keys are generated.
                numkeysAt = out.size();
                out.add("?");
                continue;
            }
            int mark = out.size();
            arg(r, s, a, out);
            if (numkeysAt >= 0) {
                int items = countItems(a, out.size() - mark);
                int off = r.nextInt(20) == 0 ? (r.nextBoolean() ? 1 : -1) : 0;
                out.set(numkeysAt, Integer.toString(items + off));
                numkeysAt = -1;
            }
        }
        if (numkeysAt >= 0) {
            out.set(numkeysAt, pick(r, INTEGERS));
        }
    }

    /** How many items an argument produced (tokens and multi-part blocks count once). */
    private static int countItems(JsonNode a, int produced) {
        int width = 0;
        if (a.path("type").asText().equals("block")) {
            for (JsonNode c : a.path("arguments")) {
                width += c.has("token") && !c.path("type").asText().equals("pure-token") ? 2 : 1;
            }
        } else {
            width = 1;
        }
        return Math.max(0, produced / Math.max(1, width));
    }

    private void arg(SplittableRandom r, CommandSpec s, JsonNode a, List<String> out) {
        String flags = a.path("flags").toString();
        boolean optional = flags.contains("\"optional\"");
        boolean multiple = flags.contains("\"multiple\"");
        boolean multipleToken = flags.contains("\"multiple_token\"");
        if (optional && r.nextInt(100) < 55) {
            return;
        }
        int reps = multiple ? 1 + (r.nextInt(3) == 0 ? r.nextInt(4) : r.nextInt(2)) : 1;
        String token = a.has("token") ? a.get("token").asText() : null;
        for (int i = 0; i < reps; i++) {
            if (token != null && (i == 0 || multipleToken)) {
                out.add(r.nextInt(8) == 0 ? token.toLowerCase(Locale.ROOT) : token);
            }
            value(r, s, a, out);
        }
    }

    private void value(SplittableRandom r, CommandSpec s, JsonNode a, List<String> out) {
        String type = a.path("type").asText();
        String name = a.path("name").asText().toLowerCase(Locale.ROOT);
        switch (type) {
            case "key" -> out.add(KEYS.get(r.nextInt(KEYS.size())));
            case "pure-token" -> {
                // the token alone, already written
            }
            case "oneof" -> {
                JsonNode kids = a.path("arguments");
                if (kids.size() > 0) {
                    arg(r, s, kids.get(r.nextInt(kids.size())), out);
                }
            }
            case "block" -> block(r, s, a.path("arguments"), out);
            case "integer" -> out.add(integer(r, s, name));
            case "double" -> out.add(r.nextInt(20) == 0 ? pick(r, ODD_DOUBLES)
                    : name.equals("longitude") ? pick(r, LONGITUDES)
                    : name.equals("latitude") ? pick(r, LATITUDES) : pick(r, DOUBLES));
            case "pattern" -> out.add(pick(r, PATTERNS));
            case "unix-time" -> out.add(unixTime(r, name));
            default -> out.add(string(r, s, name));
        }
    }

    private static String integer(SplittableRandom r, CommandSpec s, String name) {
        if (name.contains("seconds") || name.contains("milliseconds")) {
            // at least 100 s: a key must not expire between the two servers' runs of a sequence
            return r.nextInt(5) == 0 ? pick(r, ODD_DURATIONS)
                    : pick(r, name.contains("milliseconds") ? DURATIONS_MS : DURATIONS);
        }
        if (name.equals("bit") || name.equals("value") && s.fullName().equals("setbit")) {
            return r.nextInt(10) == 0 ? pick(r, INTEGERS) : r.nextBoolean() ? "1" : "0";
        }
        return r.nextInt(20) == 0 ? pick(r, ODD_INTEGERS) : pick(r, INTEGERS);
    }

    private static String unixTime(SplittableRandom r, String name) {
        boolean ms = name.contains("milli");
        long far = 4102444800L + r.nextInt(1000); // 2100-01-01 plus a little
        long v = switch (r.nextInt(5)) {
            case 0 -> 1;
            case 1 -> 1000000000L;
            case 2 -> -5;
            default -> far;
        };
        return Long.toString(ms && v > 0 ? v * 1000 : v);
    }

    private String string(SplittableRandom r, CommandSpec s, String name) {
        if (s.fullName().equals("config|get")) {
            List<String> names = new ArrayList<>(SAFE_CONFIG.keySet());
            names.add("maxmemory-policy");
            names.add("no-such-parameter");
            return names.get(r.nextInt(names.size()));
        }
        if (name.equals("operation")) {
            return pick(r, BIT_OPS);
        }
        if (name.equals("encoding")) {
            return pick(r, BITFIELD_TYPES);
        }
        if (name.equals("min") || name.equals("max") || name.equals("start") || name.equals("stop")) {
            // ranges of sorted-set commands: by score, by lex, or (ZRANGE) by rank
            String cmd = s.fullName();
            if (cmd.contains("lex")) {
                return pick(r, LEX_RANGES);
            }
            if (cmd.equals("zrange") || cmd.equals("zrangestore")) {
                int k = r.nextInt(3);
                return pick(r, k == 0 ? INTEGERS : k == 1 ? SCORE_RANGES : LEX_RANGES);
            }
            return pick(r, SCORE_RANGES);
        }
        if (name.contains("field")) {
            return pick(r, FIELDS);
        }
        if (name.contains("member") || name.contains("element") || name.equals("pivot")) {
            return pick(r, MEMBERS);
        }
        if (name.contains("channel")) {
            return pick(r, new String[] {"ch1", "ch2"});
        }
        if (r.nextInt(40) == 0) {
            return LONG_VALUE;
        }
        return pick(r, VALUES);
    }

    private static String pick(SplittableRandom r, String[] a) {
        return a[r.nextInt(a.length)];
    }
}
