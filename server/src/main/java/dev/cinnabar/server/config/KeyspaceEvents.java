package dev.cinnabar.server.config;

import dev.cinnabar.server.store.Notify;

/**
 * notify-keyspace-events flags: the letter string ⇄ store/Notify bits, as Redis parses and
 * prints them ("KEA" reads as K, E and all classes, and prints as "AKE").
 */
public final class KeyspaceEvents {
    private KeyspaceEvents() {
    }

    /** Class letters in Redis's print order (A replaces g$lshzxetd when all are set). */
    private static final String CLASS_LETTERS = "g$lshzxetd";
    private static final int[] CLASS_BITS = {Notify.GENERIC, Notify.STRING, Notify.LIST, Notify.SET, Notify.HASH,
        Notify.ZSET, Notify.EXPIRED, Notify.EVICTED, Notify.STREAM, Notify.MODULE};

    public static int parse(String s) throws ConfigException {
        int flags = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            int idx = CLASS_LETTERS.indexOf(ch);
            if (idx >= 0) {
                flags |= CLASS_BITS[idx];
                continue;
            }
            flags |= switch (ch) {
                case 'A' -> Notify.ALL;
                case 'K' -> Notify.KEYSPACE;
                case 'E' -> Notify.KEYEVENT;
                case 'm' -> Notify.KEY_MISS;
                case 'n' -> Notify.NEW;
                default -> throw new ConfigException("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
            };
        }
        return flags;
    }

    public static String format(int flags) {
        StringBuilder sb = new StringBuilder();
        if ((flags & Notify.ALL) == Notify.ALL) {
            sb.append('A');
        } else {
            for (int i = 0; i < CLASS_BITS.length; i++) {
                if ((flags & CLASS_BITS[i]) != 0) {
                    sb.append(CLASS_LETTERS.charAt(i));
                }
            }
        }
        if ((flags & Notify.NEW) != 0) {
            sb.append('n');
        }
        if ((flags & Notify.KEYSPACE) != 0) {
            sb.append('K');
        }
        if ((flags & Notify.KEYEVENT) != 0) {
            sb.append('E');
        }
        if ((flags & Notify.KEY_MISS) != 0) {
            sb.append('m');
        }
        return sb.toString();
    }
}
