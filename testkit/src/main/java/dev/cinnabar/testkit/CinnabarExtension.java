package dev.cinnabar.testkit;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.server.store.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension that runs an embedded Cinnabar server for a test class, on a free port:
 *
 * <pre>{@code
 * @RegisterExtension
 * static CinnabarExtension server = new CinnabarExtension().setting("maxmemory", "10mb");
 *
 * @Test void works() { try (var c = server.client()) { assertThat(c.call("PING").asText()).isEqualTo("PONG"); } }
 * }</pre>
 *
 * The server is flushed (every database emptied) before each test unless {@link #keepDataBetweenTests()} is set.
 */
public final class CinnabarExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {
    private final List<String[]> settings = new ArrayList<>();
    private Clock clock = Clock.SYSTEM;
    private boolean flushEach = true;
    private CinnabarServer server;
    private final List<Consumer<CinnabarServer.Builder>> customizers = new ArrayList<>();

    public CinnabarExtension setting(String name, String... args) {
        String[] s = new String[args.length + 1];
        s[0] = name;
        System.arraycopy(args, 0, s, 1, args.length);
        settings.add(s);
        return this;
    }

    public CinnabarExtension clock(Clock c) {
        this.clock = c;
        return this;
    }

    public CinnabarExtension customize(Consumer<CinnabarServer.Builder> c) {
        customizers.add(c);
        return this;
    }

    public CinnabarExtension keepDataBetweenTests() {
        this.flushEach = false;
        return this;
    }

    /** Starts the server now (for use outside JUnit's lifecycle). */
    public CinnabarServer start() {
        CinnabarServer.Builder b = CinnabarServer.builder().clock(clock);
        for (String[] s : settings) {
            b.setting(s[0], java.util.Arrays.copyOfRange(s, 1, s.length));
        }
        customizers.forEach(c -> c.accept(b));
        server = b.start();
        return server;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (server == null) {
            start();
        }
        if (flushEach) {
            flushAll();
        }
    }

    /**
     * Empties every database, directly in the embedded keyspace under the execution lock (so it
     * works whatever the server's password, ACL or command set).
     */
    public void flushAll() {
        flushAll(server);
    }

    /** Empties every database of an embedded server under its execution lock. */
    public static void flushAll(CinnabarServer server) {
        var lock = server.context().lock();
        lock.lock();
        try {
            server.context().keyspace().flushAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        // nothing: the server lives for the class
    }

    public CinnabarServer server() {
        return server;
    }

    public int port() {
        return server.port();
    }

    public RespClient client() {
        return new RespClient(server.port());
    }
}
