package dev.cinnabar.ops;

import java.util.LinkedHashMap;
import java.util.Map;
import redis.clients.jedis.Jedis;

/** INFO's text as fields, and the numbers in it. */
final class Info {
    private Info() {
    }

    static Map<String, String> parse(String info) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : info.split("\r?\n")) {
            int c = line.indexOf(':');
            if (c > 0 && !line.startsWith("#")) {
                m.put(line.substring(0, c), line.substring(c + 1).strip());
            }
        }
        return m;
    }

    static Map<String, String> read(Jedis j, String section) {
        return parse(j.info(section));
    }

    static long num(String v) {
        try {
            return v == null ? 0 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The comma-separated {@code name=value} pairs of a field such as slave0 or db0. */
    static Map<String, String> pairs(String v) {
        Map<String, String> m = new LinkedHashMap<>();
        if (v != null) {
            for (String kv : v.split(",")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    m.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
        }
        return m;
    }
}
