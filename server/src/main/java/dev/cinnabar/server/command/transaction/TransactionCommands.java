package dev.cinnabar.server.command.transaction;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.multi.Transactions;
import dev.cinnabar.server.session.Client;

/** Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH (semantics in {@link Transactions}). */
public final class TransactionCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("multi", c -> tx(c).multi(c));
        t.bind("exec", c -> tx(c).exec(c));
        t.bind("discard", c -> tx(c).discard(c));
        t.bind("watch", c -> tx(c).watch(c));
        t.bind("unwatch", c -> tx(c).unwatch(c));
    }

    private static Transactions tx(Client c) {
        return Transactions.of(c.server());
    }
}
