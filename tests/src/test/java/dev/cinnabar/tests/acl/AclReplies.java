package dev.cinnabar.tests.acl;

import dev.cinnabar.testkit.Resp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Canonical forms of ACL replies for comparing Cinnabar with Redis 7.0. Redis prints the single
 * commands of a rule string ("+get -hset") in the order of a hash table seeded at random in each
 * process, so runs of single-command rules are sorted (the set is deterministic; the categories
 * before them are compared as printed). ACL LOG's age-seconds and client-info (ports, ids, memory)
 * are blanked; ACL CAT &lt;category&gt; lists are sorted (hash order too).
 */
final class AclReplies {
    private AclReplies() {
    }

    static Resp canonical(Resp r) {
        if (r instanceof Resp.Bulk b) {
            String s = new String(b.value(), StandardCharsets.ISO_8859_1);
            return s.contains("@all") ? new Resp.Bulk(rules(s).getBytes(StandardCharsets.ISO_8859_1)) : r;
        }
        if (r instanceof Resp.Agg a) {
            List<Resp> items = new ArrayList<>();
            for (int i = 0; i < a.items().size(); i++) {
                Resp item = a.items().get(i);
                items.add(canonical(item));
                if (item instanceof Resp.Bulk k && i + 1 < a.items().size()) {
                    String key = new String(k.value(), StandardCharsets.ISO_8859_1);
                    if (key.equals("age-seconds") || key.equals("client-info")) {
                        items.add(new Resp.Null('_'));
                        i++;
                    }
                }
            }
            return new Resp.Agg(a.kind(), items);
        }
        return r;
    }

    /** Sorts each run of single-command rules (+cmd, -cmd, +cmd|arg) within the root part and each selector. */
    static String rules(String s) {
        String[] tokens = s.split(" ", -1);
        int i = 0;
        while (i < tokens.length) {
            if (!single(tokens[i])) {
                i++;
                continue;
            }
            int j = i;
            // a selector's last rule carries its ')': compare it without, put it back on the run's last token
            boolean closes = false;
            while (j < tokens.length && single(tokens[j])) {
                closes = tokens[j].endsWith(")");
                j++;
                if (closes) {
                    break;
                }
            }
            String[] run = Arrays.copyOfRange(tokens, i, j);
            for (int k = 0; k < run.length; k++) {
                run[k] = run[k].endsWith(")") ? run[k].substring(0, run[k].length() - 1) : run[k];
            }
            Arrays.sort(run, Comparator.naturalOrder());
            if (closes) {
                run[run.length - 1] = run[run.length - 1] + ")";
            }
            System.arraycopy(run, 0, tokens, i, run.length);
            i = j;
        }
        return String.join(" ", tokens);
    }

    private static boolean single(String t) {
        return t.length() > 1 && (t.charAt(0) == '+' || t.charAt(0) == '-') && t.charAt(1) != '@';
    }

    /** An array reply with its items sorted by their bytes (ACL CAT &lt;category&gt;). */
    static Resp sorted(Resp r) {
        if (!(r instanceof Resp.Agg a)) {
            return r;
        }
        List<Resp> items = new ArrayList<>(a.items());
        items.sort(Comparator.comparing(x -> x instanceof Resp.Bulk b ? new String(b.value(), StandardCharsets.ISO_8859_1)
                : x.toString()));
        return new Resp.Agg(a.kind(), items);
    }
}
