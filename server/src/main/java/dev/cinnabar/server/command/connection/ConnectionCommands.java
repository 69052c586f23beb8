package dev.cinnabar.server.command.connection;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Numbers;

/** Connection commands: PING, ECHO, SELECT, QUIT. */
public final class ConnectionCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("ping", this::ping);
        t.bind("echo", this::echo);
        t.bind("select", this::select);
        t.bind("quit", this::quit);
    }

    void ping(Client c) {
        if (c.argc() > 2) {
            c.error(dev.cinnabar.server.protocol.Errors.wrongArgs("ping"));
            return;
        }
        if (c.argc() == 1) {
            c.reply().simple("PONG");
        } else {
            c.reply().bulk(c.arg(1));
        }
    }

    void echo(Client c) {
        c.reply().bulk(c.arg(1));
    }

    void select(Client c) {
        Long idx = Numbers.parseLong(c.arg(1));
        if (idx == null) {
            c.error("ERR value is not an integer or out of range");
            return;
        }
        if (idx < 0 || idx >= c.server().keyspace().count()) {
            c.error(Errors.INVALID_DB);
            return;
        }
        c.select(idx.intValue());
        c.reply().ok();
    }

    void quit(Client c) {
        c.reply().ok();
        c.closeAfterReply(true);
    }
}
