package dev.cinnabar.server.session;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.ServerCron;
import dev.cinnabar.server.command.Dispatcher;

/**
 * The connection package's feature: the CLIENT PAUSE gate stage, and the cron work of Redis's
 * clientsCron for it: ending a pause whose deadline passed, and closing idle clients
 * ({@code timeout}). As Redis's clientsCronHandleTimeout, replicas, MONITOR clients, masters,
 * blocked clients and pub/sub subscribers never time out (blocked clients' own timeouts belong to
 * the blocking feature).
 */
public final class ClientsCron {
    private ClientsCron() {
    }

    public static void install(ServerContext ctx, ServerCron cron) {
        ctx.config().implemented("timeout");
        ctx.config().implemented("client-output-buffer-limit");
        ctx.config().implemented("maxmemory-clients");
        ClientMemory mem = ctx.clients().memory();
        mem.counters(c -> dev.cinnabar.server.multi.Transactions.watchedCount(c),
                c -> dev.cinnabar.server.tracking.Tracking.prefixCount(c));
        // a lower limit (or maxmemory under a percentage) evicts at once, as Redis's apply function
        ctx.config().entry("maxmemory-clients").onApply(v -> mem.evict(null));
        ctx.config().entry("maxmemory").onApply(v -> mem.evict(null));
        ClientPause pause = ctx.clients().pause();
        ctx.dispatcher().install(Dispatcher.Stage.PAUSE, (c, cmd) -> {
            if (pause.active() && pause.postpones(c, cmd, ctx.dispatcher().mayReplicate(c, cmd))) {
                c.postponed = true;
                return Dispatcher.TAKEN;
            }
            return null;
        });
        cron.add(now -> {
            pause.expire(now);
            closeIdle(ctx, now);
            checkClients(ctx, now);
        });
    }

    /**
     * Redis's clientsCron per client, then its evictClients: the reply buffer resized, output
     * buffer limits checked without traffic (a soft limit's seconds run out while nothing is
     * written), every client's memory accounted again, and client eviction.
     */
    static void checkClients(ServerContext ctx, long now) {
        ClientMemory mem = ctx.clients().memory();
        for (Client c : ctx.clients().all()) {
            Connection conn = c.connection();
            if (conn != null) {
                mem.resizeReplyBuffer(c, now);
                conn.checkOutputLimits();
            }
        }
        mem.updateAll();
        if (mem.limit() > 0) {
            mem.evict(null);
        }
    }

    static final int NEVER_IDLE = ClientFlags.REPLICA | ClientFlags.MASTER | ClientFlags.BLOCKED | ClientFlags.PUBSUB;

    /** Closes clients idle for longer than {@code timeout} seconds (under the execution lock). */
    static void closeIdle(ServerContext ctx, long now) {
        int timeout = ctx.config().timeout;
        if (timeout <= 0) {
            return;
        }
        for (Client c : ctx.clients().all()) {
            if ((c.flags & NEVER_IDLE) != 0 || c.blocked() || c.connection() == null) {
                continue;
            }
            if ((now - c.lastInteractionMillis()) / 1000 > timeout) {
                ctx.log().verbose("Closing idle client");
                c.flags |= ClientFlags.CLOSE_ASAP;
                c.connection().close();
            }
        }
    }
}
