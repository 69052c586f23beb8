package dev.cinnabar.server.command.introspection;

import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.KeySpec;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.store.Numbers;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the keys of a call the way COMMAND GETKEYS does in Redis 7.0: from the key specs
 * (index or keyword begin-search, range or keynum find-keys, with Redis's bounds checks), and for
 * the commands whose specs cannot say it all (an "unknown" or incomplete spec), the command's own
 * rule (SORT's STORE option, MIGRATE's KEYS). A result of null means "invalid arguments".
 */
public final class GetKeys {
    private GetKeys() {
    }

    /** One key found: its argument index and the flags of the spec that found it. */
    public record Key(int pos, List<String> flags) {
    }

    private static final List<String> RW_ACCESS_UPDATE = List.of("RW", "access", "update");
    private static final List<String> OW_UPDATE = List.of("OW", "update");
    private static final List<String> RO_ACCESS = List.of("RO", "access");
    private static final List<String> RW_ACCESS_DELETE = List.of("RW", "access", "delete");

    /**
     * The keys of one call, reusable from call to call: what the gate's ACL stage walks for every
     * command of a user with key patterns, so finding them allocates nothing once the arrays have
     * grown to the largest call seen. Each key has its position, its spec's flags and the access
     * they mean ({@link KeySpec#READ}, {@link KeySpec#WRITE}).
     */
    public static final class Found {
        private int size;
        private int[] pos = new int[4];
        private int[] access = new int[4];
        @SuppressWarnings("unchecked")
        private List<String>[] flags = new List[4];

        public int size() {
            return size;
        }

        public int pos(int i) {
            return pos[i];
        }

        public int access(int i) {
            return access[i];
        }

        public List<String> flags(int i) {
            return flags[i];
        }

        public void clear() {
            size = 0;
        }

        void add(int p, List<String> f, int a) {
            if (size == pos.length) {
                int n = size * 2;
                pos = java.util.Arrays.copyOf(pos, n);
                access = java.util.Arrays.copyOf(access, n);
                flags = java.util.Arrays.copyOf(flags, n);
            }
            pos[size] = p;
            flags[size] = f;
            access[size++] = a;
        }

        void add(int p, List<String> f) {
            add(p, f, KeySpec.access(f));
        }
    }

    /** COMMAND GETKEYS's list, or null for invalid arguments. */
    public static List<Key> find(CommandSpec cmd, byte[][] argv, int argc) {
        Found f = new Found();
        if (!find(cmd, argv, argc, f)) {
            return null;
        }
        List<Key> out = new ArrayList<>(f.size());
        for (int i = 0; i < f.size(); i++) {
            out.add(new Key(f.pos(i), f.flags(i)));
        }
        return out;
    }

    /** Fills out with the call's keys; false (out empty) means invalid arguments. */
    public static boolean find(CommandSpec cmd, byte[][] argv, int argc, Found out) {
        out.clear();
        String name = cmd.fullName();
        // Specs with variable flags: the command's own rule gives the flags (SET's GET, BITFIELD's writes).
        if (name.equals("set")) {
            for (int i = 3; i < argc; i++) {
                if (Texts.is(argv[i], "get")) {
                    out.add(1, RW_ACCESS_UPDATE);
                    return true;
                }
            }
            out.add(1, OW_UPDATE);
            return true;
        }
        if (name.equals("bitfield")) {
            boolean readonly = true;
            for (int i = 2; i < argc; i++) {
                int rem = argc - i - 1;
                if (Texts.is(argv[i], "get") && rem >= 2) {
                    i += 2;
                } else if ((Texts.is(argv[i], "set") || Texts.is(argv[i], "incrby")) && rem >= 3) {
                    readonly = false;
                    break;
                } else if (Texts.is(argv[i], "overflow") && rem >= 1) {
                    i += 1;
                }
            }
            out.add(1, readonly ? RO_ACCESS : RW_ACCESS_UPDATE);
            return true;
        }
        if (bySpecs(cmd, argv, argc, out)) {
            return true;
        }
        if (name.equals("sort") || name.equals("sort_ro")) {
            sort(cmd, argv, argc, out);
            return true;
        }
        if (name.equals("migrate")) {
            return migrate(argv, argc, out);
        }
        return false;
    }

    /**
     * MIGRATE's own rule, used when its incomplete KEYS spec matched: the key argument, or with
     * KEYS (found skipping AUTH's and AUTH2's values) the rest, which needs an empty key argument.
     */
    private static boolean migrate(byte[][] argv, int argc, Found out) {
        int first = 3;
        int num = 1;
        for (int i = 6; i < argc; i++) {
            if (Texts.is(argv[i], "keys")) {
                if (argv[3].length > 0) {
                    return false;
                }
                first = i + 1;
                num = argc - first;
                break;
            }
            i += Texts.is(argv[i], "auth") ? 1 : Texts.is(argv[i], "auth2") ? 2 : 0;
        }
        if (num == 0) {
            return false;
        }
        for (int i = first; i < first + num; i++) {
            out.add(i, RW_ACCESS_DELETE);
        }
        return true;
    }

    /** Redis's getKeysUsingKeySpecs; false when a spec is invalid, unknown or incomplete. */
    private static boolean bySpecs(CommandSpec cmd, byte[][] argv, int argc, Found out) {
        List<KeySpec> specs = cmd.keySpecs();
        for (int s = 0; s < specs.size(); s++) {
            KeySpec spec = specs.get(s);
            if (spec.notKey()) {
                continue;
            }
            int first = 0;
            if (spec.bsType().equals("index")) {
                first = spec.bsIndex();
            } else if (spec.bsType().equals("keyword")) {
                int from = spec.bsIndex();
                int start = from > 0 ? from : argc + from;
                int end = from > 0 ? argc - 1 : 0;
                for (int i = start; i != end; i = start <= end ? i + 1 : i - 1) {
                    if (i >= argc || i < 0) {
                        break;
                    }
                    if (Texts.is(argv[i], spec.keywordLower())) {
                        first = i + 1;
                        break;
                    }
                }
                if (first == 0) {
                    continue;
                }
            } else {
                out.clear();
                return false;
            }
            int last;
            int step;
            if (spec.fkType().equals("range")) {
                int lastkey = spec.a();
                int limit = spec.c();
                if (lastkey >= 0) {
                    last = first + lastkey;
                } else if (limit == 0) {
                    last = argc + lastkey;
                } else {
                    last = first + ((argc - first) / limit + lastkey);
                }
                step = spec.b();
            } else if (spec.fkType().equals("keynum")) {
                if (spec.a() >= argc || first + spec.a() >= argc) {
                    out.clear();
                    return false;
                }
                Long n = Numbers.parseLong(argv[first + spec.a()]);
                if (n == null || n < 0 || n > Integer.MAX_VALUE) {
                    out.clear();
                    return false;
                }
                first += spec.b();
                last = first + n.intValue() - 1;
                step = spec.c();
            } else {
                out.clear();
                return false;
            }
            if (last >= argc || last < first || first >= argc) {
                out.clear();
                return false;
            }
            for (int i = first; i <= last; i += Math.max(1, step)) {
                out.add(i, spec.flags(), spec.access());
            }
            if (spec.incomplete()) {
                out.clear();
                return false;
            }
        }
        return true;
    }

    /** SORT key [BY p] [LIMIT o c] [GET p ...] [ASC|DESC] [ALPHA] [STORE dest]: the key, and dest. */
    private static void sort(CommandSpec cmd, byte[][] argv, int argc, Found out) {
        out.add(1, RO_ACCESS);
        int store = -1;
        for (int i = 2; i < argc; i++) {
            String a = Texts.lower(argv[i]);
            int skip = switch (a) {
                case "limit" -> 2;
                case "get", "by" -> 1;
                case "store" -> {
                    if (i + 1 < argc) {
                        store = i + 1;
                    }
                    yield 1;
                }
                default -> 0;
            };
            i += skip;
        }
        if (store > 0 && cmd.fullName().equals("sort")) {
            out.add(store, OW_UPDATE);
        }
    }
}
