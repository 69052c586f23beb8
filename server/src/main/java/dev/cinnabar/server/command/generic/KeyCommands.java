package dev.cinnabar.server.command.generic;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Notify;

/** Generic keyspace commands. */
public final class KeyCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("del", this::del);
        t.bind("exists", this::exists);
        t.bind("dbsize", this::dbsize);
    }

    void del(Client c) {
        Db db = c.db();
        long n = 0;
        for (int i = 1; i < c.argc(); i++) {
            byte[] k = c.arg(i);
            db.expireIfNeeded(k);
            if (db.delete(k)) {
                db.notify(Notify.GENERIC, "del", k);
                c.server().dirty++;
                n++;
            }
        }
        c.reply().integer(n);
    }

    void exists(Client c) {
        Db db = c.db();
        long n = 0;
        for (int i = 1; i < c.argc(); i++) {
            if (db.exists(c.arg(i))) {
                n++;
            }
        }
        c.reply().integer(n);
    }

    void dbsize(Client c) {
        c.reply().integer(c.db().size());
    }
}
