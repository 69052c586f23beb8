package dev.cinnabar.server.command.replication;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.replication.Replication;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Numbers;

/**
 * SYNC, PSYNC, REPLCONF, ROLE and WAIT: argument checks and replies; the protocol lives in
 * {@link Replication}.
 */
public final class ReplicationCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("sync", c -> repl(c).syncCommand(c, null, 0));
        t.bind("psync", this::psync);
        t.bind("replconf", c -> repl(c).replconf(c));
        t.bind("role", c -> repl(c).role(c));
        t.bind("wait", this::waitCommand);
    }

    private static Replication repl(Client c) {
        return Replication.of(c.server());
    }

    void psync(Client c) {
        Long offset = Numbers.parseLong(c.arg(2));
        if (offset == null) {
            c.error(Errors.NOT_INTEGER);
            return;
        }
        repl(c).syncCommand(c, Texts.str(c.arg(1)), offset);
    }

    /** WAIT numreplicas timeout (ms). */
    void waitCommand(Client c) {
        Replication r = repl(c);
        if (r.replicaRole()) {
            c.error(Errors.WAIT_ON_REPLICA);
            return;
        }
        Long n = Numbers.parseLong(c.arg(1));
        if (n == null) {
            c.error(Errors.NOT_INTEGER);
            return;
        }
        Long timeout = Numbers.parseLong(c.arg(2));
        if (timeout == null) {
            c.error(Errors.TIMEOUT_NOT_INTEGER);
            return;
        }
        if (timeout < 0) {
            c.error(Errors.TIMEOUT_NEGATIVE);
            return;
        }
        long now = c.server().now();
        long deadline = timeout == 0 ? 0 : (timeout > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + timeout);
        r.waitFor(c, n, deadline);
    }
}
