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

    public static List<Key> find(CommandSpec cmd, byte[][] argv, int argc) {
        String name = cmd.fullName();
        // Specs with variable flags: the command's own rule gives the flags (SET's GET, BITFIELD's writes).
        if (name.equals("set")) {
            for (int i = 3; i < argc; i++) {
                if (Texts.is(argv[i], "get")) {
                    return List.of(new Key(1, List.of("RW", "access", "update")));
                }
            }
            return List.of(new Key(1, List.of("OW", "update")));
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
            return List.of(new Key(1, readonly ? List.of("RO", "access") : List.of("RW", "access", "update")));
        }
        List<Key> out = new ArrayList<>();
        if (bySpecs(cmd, argv, argc, out)) {
            return out;
        }
        if (name.equals("sort") || name.equals("sort_ro")) {
            return sort(cmd, argv, argc);
        }
        if (name.equals("migrate")) {
            return migrate(argv, argc);
        }
        return null;
    }

    /**
     * MIGRATE's own rule, used when its incomplete KEYS spec matched: the key argument, or with
     * KEYS (found skipping AUTH's and AUTH2's values) the rest, which needs an empty key argument.
     */
    private static List<Key> migrate(byte[][] argv, int argc) {
        int first = 3;
        int num = 1;
        for (int i = 6; i < argc; i++) {
            if (Texts.is(argv[i], "keys")) {
                if (argv[3].length > 0) {
                    return null;
                }
                first = i + 1;
                num = argc - first;
                break;
            }
            i += Texts.is(argv[i], "auth") ? 1 : Texts.is(argv[i], "auth2") ? 2 : 0;
        }
        if (num == 0) {
            return null;
        }
        List<Key> out = new ArrayList<>();
        for (int i = first; i < first + num; i++) {
            out.add(new Key(i, List.of("RW", "access", "delete")));
        }
        return out;
    }

    /** Redis's getKeysUsingKeySpecs; false when a spec is invalid, unknown or incomplete. */
    private static boolean bySpecs(CommandSpec cmd, byte[][] argv, int argc, List<Key> out) {
        for (KeySpec spec : cmd.keySpecs()) {
            if (spec.flags().contains("not_key")) {
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
                    if (Texts.lower(argv[i]).equals(spec.bsKeyword().toLowerCase())) {
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
                out.add(new Key(i, spec.flags()));
            }
            if (spec.flags().contains("incomplete")) {
                out.clear();
                return false;
            }
        }
        return true;
    }

    /** SORT key [BY p] [LIMIT o c] [GET p ...] [ASC|DESC] [ALPHA] [STORE dest]: the key, and dest. */
    private static List<Key> sort(CommandSpec cmd, byte[][] argv, int argc) {
        List<Key> out = new ArrayList<>();
        out.add(new Key(1, List.of("RO", "access")));
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
            out.add(new Key(store, List.of("OW", "update")));
        }
        return out;
    }
}
