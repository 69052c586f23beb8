package dev.cinnabar.testkit.diff;

import java.util.List;

/**
 * The outcome of one sequence on both servers: every step's replies, and the index of the first
 * step whose replies differ (-1 when they all match). {@link #report()} is the readable form.
 */
public record Result(Sequence sequence, List<Step> steps, int mismatchAt) {
    /** One executed command and both servers' replies. */
    public record Step(Invocation call, Observed redis, Observed cinnabar, boolean same) {
    }

    public boolean failed() {
        return mismatchAt >= 0;
    }

    /** The replies around the mismatch, every command in redis-cli syntax. */
    public String report() {
        StringBuilder sb = new StringBuilder();
        Sequence s = sequence;
        if (failed()) {
            sb.append("Cinnabar differs from Redis at command #").append(mismatchAt);
        } else {
            sb.append("Cinnabar agrees with Redis on all ").append(steps.size()).append(" commands");
        }
        sb.append(" (sequence seed=").append(s.seed()).append(", ").append(s.clients())
                .append(s.clients() == 1 ? " connection" : " connections").append(")\n");
        for (int i = 0; i < steps.size(); i++) {
            Step st = steps.get(i);
            sb.append(i == mismatchAt ? "> " : "  ").append(String.format("%3d ", i));
            if (s.clients() > 1) {
                sb.append('c').append(st.call().client()).append(' ');
            }
            sb.append(st.call().commandLine());
            if (st.same()) {
                sb.append("  ->  ").append(cut(st.redis().toString()));
                if (!st.redis().toString().equals(st.cinnabar().toString())) {
                    sb.append("  (normalised; cinnabar: ").append(cut(st.cinnabar().toString())).append(')');
                }
                sb.append('\n');
            } else {
                sb.append("\n        redis:    ").append(cut(st.redis().toString()));
                sb.append("\n        cinnabar: ").append(cut(st.cinnabar().toString())).append('\n');
            }
        }
        return sb.toString();
    }

    private static String cut(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...(" + s.length() + " chars)";
    }
}
