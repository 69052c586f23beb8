package dev.cinnabar.server.command.zset;

import dev.cinnabar.server.blocking.BlockingManager;
import dev.cinnabar.server.blocking.BlockingManager.Outcome;
import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.zset.ZSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * BZPOPMIN, BZPOPMAX and BZMPOP: pop at once when a key holds members, otherwise park the client
 * in the {@link BlockingManager} (first blocked, first served) until a write makes a watched key a
 * sorted set, the timeout passes (null array) or the client goes away. Inside MULTI/EXEC they
 * never block and answer a null array, as Redis.
 */
final class ZSetBlockingCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("bzpopmin", c -> bzpop(c, false));
        t.bind("bzpopmax", c -> bzpop(c, true));
        t.bind("bzmpop", this::bzmpop);
    }

    /** The waited key's set for serving: the set, or why this client cannot be served from it. */
    private static Object waited(Db db, byte[] key) {
        Object v = db.lookupWrite(key);
        if (v == null) {
            return Outcome.EXHAUSTED;
        }
        if (!(v instanceof ZSet z)) {
            return Outcome.SKIP; // clients blocked on another type may take it
        }
        return z.isEmpty() ? Outcome.EXHAUSTED : z;
    }

    /** BZPOPMIN/BZPOPMAX's reply: [key, member, score] for one popped member. */
    private static void popOne(Client c, Db db, Reply r, byte[] key, ZSet z, boolean max) {
        r.array(3);
        r.bulk(key);
        ZSetCommands.popAndReply(c, db, r, key, z, max, 1, ZSetCommands.PopShape.BARE);
    }

    void bzpop(Client c, boolean max) {
        BlockingManager bm = BlockingManager.of(c.server());
        long deadline = bm.timeoutDeadline(c, c.arg(c.argc() - 1));
        if (deadline < 0) {
            return;
        }
        List<byte[]> keys = Arrays.asList(c.argv()).subList(1, c.argc() - 1);
        for (byte[] key : keys) {
            ZSet z = ZSetCommands.write(c, key);
            if (z == ZSetCommands.WRONG) {
                return;
            }
            if (z != null && !z.isEmpty()) {
                popOne(c, c.db(), c.reply(), key, z, max);
                c.rewriteArgv(ZSetCommands.popCommand(max, key, -1));
                return;
            }
        }
        if (!bm.canBlock(c)) {
            c.reply().nullArray();
            return;
        }
        bm.block(c, new ArrayList<>(keys), deadline, "zset", (cl, db, key) -> {
            Object w = waited(db, key);
            if (w instanceof Outcome o) {
                return o;
            }
            cl.alsoPropagate(ZSetCommands.popCommand(max, key, -1));
            cl.deliver(r -> popOne(cl, db, r, key, (ZSet) w, max));
            return Outcome.SERVED;
        }, Reply::nullArray);
    }

    void bzmpop(Client c) {
        BlockingManager bm = BlockingManager.of(c.server());
        ZSetCommands.MPopArgs a = ZSetCommands.MPopArgs.parse(c, 2);
        if (a == null) {
            return;
        }
        long deadline = bm.timeoutDeadline(c, c.arg(1));
        if (deadline < 0) {
            return;
        }
        if (ZSetCommands.mpopFirstNonEmpty(c, a)) {
            return;
        }
        if (!bm.canBlock(c)) {
            c.reply().nullArray();
            return;
        }
        bm.block(c, new ArrayList<>(a.keys()), deadline, "zset", (cl, db, key) -> {
            Object w = waited(db, key);
            if (w instanceof Outcome o) {
                return o;
            }
            cl.alsoPropagate(ZSetCommands.popCommand(a.max(), key, Math.min(a.count(), ((ZSet) w).size())));
            cl.deliver(r -> {
                r.array(2);
                r.bulk(key);
                ZSetCommands.popAndReply(cl, db, r, key, (ZSet) w, a.max(), a.count(),
                        ZSetCommands.PopShape.NESTED);
            });
            return Outcome.SERVED;
        }, Reply::nullArray);
    }
}
