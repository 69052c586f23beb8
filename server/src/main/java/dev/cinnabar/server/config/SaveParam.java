package dev.cinnabar.server.config;

import java.util.ArrayList;
import java.util.List;

/**
 * One "save seconds changes" point: snapshot when at least {@code changes} writes happened in the
 * last {@code seconds}. The directive takes pairs ({@code save 3600 1 300 100}), several lines
 * accumulate in a file, and {@code save ""} removes every point.
 */
public record SaveParam(long seconds, long changes) {
    public static final List<SaveParam> DEFAULTS =
            List.of(new SaveParam(3600, 1), new SaveParam(300, 100), new SaveParam(60, 10000));

    /** Parses pairs; an empty list or a single "" means no save points. */
    public static List<SaveParam> parse(List<String> args) throws ConfigException {
        if (args.isEmpty() || (args.size() == 1 && args.get(0).isEmpty())) {
            return List.of();
        }
        if (args.size() % 2 != 0) {
            throw new ConfigException("Invalid save parameters");
        }
        List<SaveParam> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i += 2) {
            // Redis reads both numbers with strtoll and requires a full parse and no negative value.
            Long s = ServerConfig.strictLong(args.get(i));
            Long c = ServerConfig.strictLong(args.get(i + 1));
            if (s == null || c == null || s < 0 || c < 0) {
                throw new ConfigException("Invalid save parameters");
            }
            out.add(new SaveParam(s, c));
        }
        return List.copyOf(out);
    }

    public static String format(List<SaveParam> params) {
        StringBuilder sb = new StringBuilder();
        for (SaveParam p : params) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(p.seconds).append(' ').append(p.changes);
        }
        return sb.toString();
    }
}
