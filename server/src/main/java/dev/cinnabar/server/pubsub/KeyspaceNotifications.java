package dev.cinnabar.server.pubsub;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.store.KeyspaceHooks;
import dev.cinnabar.server.store.Notify;
import java.nio.charset.StandardCharsets;

/**
 * Keyspace notifications (Redis's notify.c): a keyspace listener that turns
 * {@link KeyspaceHooks#notify} events into PUBLISHes on {@code __keyspace@<db>__:<key>}
 * (message: the event name) and {@code __keyevent@<db>__:<event>} (message: the key), filtered by
 * notify-keyspace-events ({@code ServerConfig.notifyKeyspaceEvents}, store/Notify bits): the
 * event's class must be enabled, and K and/or E choose the channels.
 *
 * <p>Cost when disabled: one volatile read per event.
 */
public final class KeyspaceNotifications implements KeyspaceHooks {
    private final ServerContext server;
    private final PubSub pubsub;

    private KeyspaceNotifications(ServerContext server, PubSub pubsub) {
        this.server = server;
        this.pubsub = pubsub;
    }

    /** Registers the listener; needs {@link PubSub} installed. */
    public static void install(ServerContext ctx) {
        ctx.addKeyspaceListener(new KeyspaceNotifications(ctx, PubSub.of(ctx)));
    }

    @Override
    public long now() {
        return server.now();
    }

    @Override
    public void notify(int type, String event, byte[] key, int dbId) {
        int flags = server.config().notifyKeyspaceEvents;
        if ((flags & type) == 0) {
            return;
        }
        byte[] eventBytes = event.getBytes(StandardCharsets.US_ASCII);
        if ((flags & Notify.KEYSPACE) != 0) {
            pubsub.publish(concat("__keyspace@" + dbId + "__:", key), eventBytes);
        }
        if ((flags & Notify.KEYEVENT) != 0) {
            pubsub.publish(("__keyevent@" + dbId + "__:" + event).getBytes(StandardCharsets.US_ASCII), key);
        }
    }

    private static byte[] concat(String prefix, byte[] key) {
        byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[p.length + key.length];
        System.arraycopy(p, 0, out, 0, p.length);
        System.arraycopy(key, 0, out, p.length, key.length);
        return out;
    }
}
