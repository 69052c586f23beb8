package dev.cinnabar.tests.stress;

import dev.cinnabar.testkit.RespClient;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;

/**
 * A connection whose replies are read as text and never throw: a reply that does not come within
 * the timeout reads as {@link #NO_REPLY}, a connection the server closed as {@link #CLOSED}. A
 * scenario's replies thus form a transcript that can be compared as a whole with real Redis's,
 * and a hang shows in it instead of aborting the scenario.
 */
final class TranscriptClient implements AutoCloseable {
    static final String NO_REPLY = "<no reply in time>";
    static final String CLOSED = "<connection closed>";

    private final RespClient client;
    private boolean broken;

    TranscriptClient(int port, int timeoutMillis) {
        client = new RespClient("127.0.0.1", port, timeoutMillis);
    }

    void send(String... args) {
        try {
            client.send(args);
        } catch (UncheckedIOException e) {
            broken = true;
        }
    }

    void sendRaw(byte[] bytes) {
        try {
            client.writeRaw(bytes);
        } catch (UncheckedIOException e) {
            broken = true;
        }
    }

    String read() {
        if (broken) {
            return CLOSED;
        }
        try {
            return client.read().toString();
        } catch (UncheckedIOException e) {
            // after a timeout the stream may be mid-reply: nothing more is read from it
            broken = true;
            return e.getCause() instanceof SocketTimeoutException ? NO_REPLY : CLOSED;
        }
    }

    String call(String... args) {
        send(args);
        return read();
    }

    void timeout(int millis) {
        client.timeout(millis);
    }

    @Override
    public void close() {
        client.close();
    }
}
