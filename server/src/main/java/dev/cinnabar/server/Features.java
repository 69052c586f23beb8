package dev.cinnabar.server;

/**
 * Wires optional features into a new server context: cron tasks, gate stages, keyspace listeners.
 * One line per feature, so adding a feature touches one place.
 */
final class Features {
    private Features() {
    }

    static void install(ServerContext ctx, ServerCron cron) {
        // features add themselves here, e.g. ActiveExpire.install(ctx, cron);
        dev.cinnabar.server.command.server.ServerCommands.install(ctx);
        dev.cinnabar.server.acl.Acl.install(ctx); // users, AUTH, the gate's ACL stage
        dev.cinnabar.server.command.hyperloglog.HyperLogLogCommands.install(ctx);
        dev.cinnabar.server.multi.Transactions.install(ctx);
        dev.cinnabar.server.command.list.ListCommands.install(ctx, cron); // lists, hashes, blocking
        dev.cinnabar.server.propagate.Propagator.install(ctx); // expired keys propagate as DEL/UNLINK
        cron.add(now -> {
            ctx.keyspace().databasesCron(cron.hz(), ctx.config().activeExpireEffort,
                    "yes".equals(ctx.config().get("activerehashing")));
            long micros = ctx.keyspace().activeExpire().lastCycleMicros();
            if (micros >= 0) {
                dev.cinnabar.server.command.server.LatencyMonitor.addSampleIfNeeded(ctx, "expire-cycle", micros / 1000);
            }
        });
        dev.cinnabar.server.pubsub.PubSub.install(ctx);
        dev.cinnabar.server.pubsub.KeyspaceNotifications.install(ctx);
        dev.cinnabar.server.session.ClientsCron.install(ctx, cron);
        dev.cinnabar.server.tracking.Tracking.install(ctx, cron);
        dev.cinnabar.server.command.stream.StreamCommands.install(ctx);
        dev.cinnabar.server.scripting.BusyScriptGate.install(ctx);
        dev.cinnabar.server.scripting.DeclaredFlags.install(ctx);
        dev.cinnabar.server.persistence.Persistence.install(ctx, cron);
        dev.cinnabar.server.persistence.aof.Aof.install(ctx, cron);
        dev.cinnabar.server.replication.Replication.install(ctx, cron); // after Persistence: NOREPLICAS after MISCONF
        dev.cinnabar.server.memory.Eviction.install(ctx, cron); // accounting, maxmemory, the heap guard
        Watchdog.install(ctx); // watchdog-period
        if (ctx.config().sentinelMode) {
            dev.cinnabar.server.sentinel.Sentinel.install(ctx, cron); // monitoring, failover, its commands' state
        }
    }
}
