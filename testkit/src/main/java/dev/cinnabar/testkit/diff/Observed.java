package dev.cinnabar.testkit.diff;

import dev.cinnabar.testkit.Resp;

/** What one server did with one command: a reply, or no reply (connection closed, timeout). */
public record Observed(Resp reply, String failure) {
    public static Observed of(Resp r) {
        return new Observed(r, null);
    }

    public static Observed failed(String why) {
        return new Observed(null, why);
    }

    @Override
    public String toString() {
        return reply != null ? reply.toString() : "<" + failure + ">";
    }
}
