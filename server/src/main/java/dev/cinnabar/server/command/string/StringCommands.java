package dev.cinnabar.server.command.string;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.Strings;

/** String commands. */
public final class StringCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("get", this::get);
        t.bind("set", this::set);
    }

    void get(Client c) {
        Object v = c.db().lookupRead(c.arg(1));
        if (v == null) {
            c.reply().nullBulk();
        } else if (!Strings.isString(v)) {
            c.error(Errors.WRONGTYPE);
        } else {
            c.reply().bulk(Strings.bytes(v));
        }
    }

    void set(Client c) {
        if (c.argc() != 3) {
            c.error(Errors.SYNTAX);
            return;
        }
        Db db = c.db();
        byte[] key = c.arg(1);
        db.setKey(key, Strings.encode(c.arg(2)), false);
        c.server().dirty++;
        db.notify(Notify.STRING, "set", key);
        c.reply().ok();
    }
}
