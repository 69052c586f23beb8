package dev.cinnabar.server.command.server;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.persistence.aof.Aof;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.session.Client;

/** BGREWRITEAOF (the append-only file itself is persistence.aof.Aof). */
public final class AofCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("bgrewriteaof", this::bgrewriteaof);
    }

    /**
     * BGREWRITEAOF: starts a rewrite, or schedules it while a BGSAVE runs or inside EXEC (as Redis
     * while another child runs); an error while one runs or when it cannot start.
     */
    void bgrewriteaof(Client c) {
        switch (Aof.of(c.server()).bgrewriteaof(c.inExec())) {
            case IN_PROGRESS -> c.error(Errors.AOF_REWRITE_IN_PROGRESS);
            case SCHEDULED -> c.reply().simple("Background append only file rewriting scheduled");
            case STARTED -> c.reply().simple("Background append only file rewriting started");
            case FAILED -> c.error(Errors.AOF_REWRITE_FAILED);
        }
    }
}
