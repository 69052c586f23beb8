package dev.cinnabar.testkit.diff;

import dev.cinnabar.testkit.Resp;

/**
 * A rule for a reply that legitimately differs between Redis and Cinnabar (client ids, timings,
 * output order Redis itself documents as unspecified). It sees both replies to the same call and
 * returns the pair to compare instead, or null when it does not apply. Keep them few and
 * explicit: every normaliser hides a class of differences from the differential tests.
 */
@FunctionalInterface
public interface Normalizer {
    /** Both replies after normalisation. */
    record Pair(Resp redis, Resp cinnabar) {
    }

    Pair apply(Invocation call, Resp redis, Resp cinnabar);
}
