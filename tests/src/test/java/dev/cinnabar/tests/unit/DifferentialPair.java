package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.Arrays;

/**
 * One connection to real Redis and one to Cinnabar: {@link #both} sends the same command to each
 * and asserts the replies are equal, wire type and bytes, so digits and error texts must match.
 */
final class DifferentialPair implements AutoCloseable {
    final RespClient real;
    final RespClient ours;

    DifferentialPair(RealRedis redis, int cinnabarPort) {
        this.real = redis.client();
        this.ours = new RespClient(cinnabarPort);
    }

    /** Sends to both servers, asserts equal replies, returns Cinnabar's. */
    Resp both(String... args) {
        Resp expected = real.call(args);
        Resp actual = ours.call(args);
        assertThat(actual).as("reply to %s", Arrays.toString(args)).isEqualTo(expected);
        return actual;
    }

    /** As {@link #both(String...)} with binary arguments. */
    Resp both(byte[]... args) {
        Resp expected = real.call(args);
        Resp actual = ours.call(args);
        assertThat(actual).as("reply to %s", describe(args)).isEqualTo(expected);
        return actual;
    }

    /**
     * For commands owned by other families that may not be built yet (e.g. RPUSH to make a key of
     * another type): when Cinnabar does not know the command, neither server gets it and null is
     * returned, so both keyspaces stay alike; otherwise as {@link #both(String...)}.
     */
    Resp bothIfKnown(String... args) {
        Resp actual = ours.call(args);
        if (actual instanceof Resp.Err e && e.message().startsWith("ERR unknown command")) {
            return null;
        }
        Resp expected = real.call(args);
        assertThat(actual).as("reply to %s", Arrays.toString(args)).isEqualTo(expected);
        return actual;
    }

    private static String describe(byte[][] args) {
        StringBuilder sb = new StringBuilder("[");
        for (byte[] a : args) {
            sb.append(a.length > 64 ? "<" + a.length + " bytes>" : Resp.escape(a)).append(' ');
        }
        return sb.append(']').toString();
    }

    @Override
    public void close() {
        real.close();
        ours.close();
    }
}
