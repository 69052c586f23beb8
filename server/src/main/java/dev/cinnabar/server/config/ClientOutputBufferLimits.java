package dev.cinnabar.server.config;

import java.util.List;
import java.util.Locale;

/**
 * client-output-buffer-limit, parsed: for each client class (normal, replica, pubsub) a hard limit
 * in bytes (disconnect at once), a soft limit in bytes and the seconds the soft limit may be
 * exceeded continuously before disconnecting. 0 disables a limit. Immutable; CONFIG SET builds a
 * new instance, so readers on IO threads see a consistent triple.
 */
public record ClientOutputBufferLimits(Limit normal, Limit replica, Limit pubsub) {
    /** One class's limits. */
    public record Limit(long hardBytes, long softBytes, long softSeconds) {
    }

    public static final ClientOutputBufferLimits DEFAULTS = new ClientOutputBufferLimits(new Limit(0, 0, 0),
            new Limit(256L << 20, 64L << 20, 60), new Limit(32L << 20, 8L << 20, 60));

    /** Parses "class hard soft seconds" groups; classes not named keep their current limits. */
    public ClientOutputBufferLimits with(List<String> args) throws ConfigException {
        if (args.size() % 4 != 0) {
            throw new ConfigException("Wrong number of arguments in buffer limit configuration.");
        }
        Limit[] l = {normal, replica, pubsub};
        for (int i = 0; i < args.size(); i += 4) {
            int cls = switch (args.get(i).toLowerCase(Locale.ROOT)) {
                case "normal" -> 0;
                case "replica", "slave" -> 1;
                case "pubsub" -> 2;
                default -> -1;
            };
            if (cls < 0) {
                throw new ConfigException("Invalid client class specified in buffer limit configuration.");
            }
            long hard = ServerConfig.memtoull(args.get(i + 1));
            long soft = ServerConfig.memtoull(args.get(i + 2));
            Long secs = seconds(args.get(i + 3));
            if (hard < 0 || soft < 0 || secs == null) {
                throw new ConfigException("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
            }
            l[cls] = new Limit(hard, soft, secs);
        }
        return new ClientOutputBufferLimits(l[0], l[1], l[2]);
    }

    /** strtoll as Redis calls it: leading spaces and sign allowed, the whole string consumed, not negative. */
    private static Long seconds(String s) {
        String t = s.stripLeading();
        if (t.startsWith("+")) {
            t = t.substring(1);
        }
        if (t.isEmpty()) {
            return 0L; // strtoll("") is 0 with nothing left over
        }
        try {
            long v = Long.parseLong(t);
            return v < 0 ? null : v;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The limit for a class name as CLIENT KILL TYPE names them ("normal", "replica"/"slave", "pubsub"). */
    public Limit forClass(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "replica", "slave" -> replica;
            case "pubsub" -> pubsub;
            default -> normal;
        };
    }

    /** CONFIG GET's form: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60". */
    public String format() {
        return "normal " + fmt(normal) + " slave " + fmt(replica) + " pubsub " + fmt(pubsub);
    }

    private static String fmt(Limit l) {
        return l.hardBytes + " " + l.softBytes + " " + l.softSeconds;
    }
}
