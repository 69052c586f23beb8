package dev.cinnabar.tests.unit.type;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.store.KeyspaceHooks;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Records the keyspace events an embedded server fires ("event:key"), straight from its keyspace
 * hooks, so tests see Redis's event names without depending on pub/sub delivery.
 */
final class Events implements KeyspaceHooks {
    private final ServerContext server;
    private final List<String> seen = new ArrayList<>();

    private Events(ServerContext server) {
        this.server = server;
    }

    static Events attach(ServerContext server) {
        Events e = new Events(server);
        server.addKeyspaceListener(e);
        return e;
    }

    @Override
    public long now() {
        return server.now();
    }

    @Override
    public void notify(int type, String event, byte[] key, int dbId) {
        if (event.equals("keymiss") || event.equals("new")) {
            return;
        }
        synchronized (seen) {
            seen.add(event + ":" + new String(key, StandardCharsets.UTF_8));
        }
    }

    /** The events since the last call, in order. */
    List<String> take() {
        synchronized (seen) {
            List<String> out = new ArrayList<>(seen);
            seen.clear();
            return out;
        }
    }
}
