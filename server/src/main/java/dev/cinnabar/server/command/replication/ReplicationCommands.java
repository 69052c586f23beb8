package dev.cinnabar.server.command.replication;

import dev.cinnabar.server.blocking.Timeouts;
import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.replication.Replication;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientInfo;
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
        t.bind("replicaof", this::replicaof);
        t.bind("slaveof", this::replicaof);
        t.bind("failover", c -> repl(c).failover(c));
    }

    private static Replication repl(Client c) {
        return Replication.of(c.server());
    }

    void psync(Client c) {
        Long offset = Numbers.parseLong(c.arg(2));
        if (offset == null) {
            c.error(Errors.NOT_INTEGER);
            c.server().log().warning("Replica " + repl(c).replicaName(c) + " asks for synchronization but with a wrong offset");
            return;
        }
        repl(c).syncCommand(c, Texts.str(c.arg(1)), offset);
    }

    /** REPLICAOF host port | NO ONE (and its old name SLAVEOF). */
    void replicaof(Client c) {
        Replication r = repl(c);
        if (Texts.is(c.arg(1), "no") && Texts.is(c.arg(2), "one")) {
            if (r.replicaRole()) {
                r.unsetMaster();
                c.server().log().notice("MASTER MODE enabled (user request from '" + ClientInfo.describe(c) + "')");
            }
            c.reply().ok();
            return;
        }
        if (r.isReplica(c)) {
            c.error("ERR Command is not valid when client is a replica.");
            return;
        }
        Long port = Numbers.parseLong(c.arg(2));
        if (port == null || port < 0 || port > 65535) {
            c.error(Errors.INVALID_MASTER_PORT);
            return;
        }
        String host = Texts.str(c.arg(1));
        if (r.replicaRole() && host.equalsIgnoreCase(r.masterHost()) && port == r.masterPort()) {
            c.server().log().notice("REPLICAOF would result into synchronization with the master we are already "
                    + "connected with. No operation performed.");
            c.reply().simple("OK Already connected to specified master");
            return;
        }
        r.setMaster(host, port.intValue());
        c.server().log().notice("REPLICAOF " + host + ":" + port + " enabled (user request from '" + ClientInfo.describe(c)
                + "')");
        c.reply().ok();
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
        long timeout = Timeouts.millisOrReply(c, c.arg(2));
        if (timeout < 0) {
            return;
        }
        long now = c.server().now();
        long deadline = timeout == 0 ? 0 : (timeout > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + timeout);
        r.waitFor(c, n, deadline);
    }
}
