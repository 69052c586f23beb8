package dev.cinnabar.server.replication;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.propagate.PropagationSink;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.util.BytesKey;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Keys a writable replica's own clients wrote with a TTL (Redis 7.0's slaveKeysWithExpire and
 * expireSlaveKeys). A replica never expires its master's keys (the master's DELs do), so without
 * this a key set with EX on a writable replica would stay forever. On a replica this sink sits on
 * the propagation path with the REPL target: the master client's commands are masked to the AOF,
 * so it sees exactly the replica's local writes, and it remembers each of their keys that has a
 * TTL afterwards. The cron deletes the remembered keys whose TTL passed (an "expired" event, the
 * expired_keys count and a DEL to the AOF) and forgets those that lost their TTL or went away.
 * Under the execution lock.
 */
final class WritableReplicaKeys implements PropagationSink {
    private final ServerContext server;
    private final Map<Integer, Map<BytesKey, Boolean>> keys = new HashMap<>();

    WritableReplicaKeys(ServerContext server) {
        this.server = server;
    }

    @Override
    public int targets() {
        return REPL;
    }

    @Override
    public void append(int dbId, byte[][] argv) {
        if (dbId < 0 || argv.length < 2) {
            return;
        }
        CommandSpec spec = server.commands().lookup(argv[0]);
        if (spec == null) {
            return;
        }
        Db db = server.keyspace().db(dbId);
        List<Integer> positions = spec.keyPositions(argv, argv.length);
        for (int p : positions) {
            byte[] key = argv[p];
            if (db.getExpire(key) != -1) {
                keys.computeIfAbsent(dbId, d -> new HashMap<>()).put(new BytesKey(key), Boolean.TRUE);
            }
        }
    }

    int size() {
        int n = 0;
        for (Map<BytesKey, Boolean> m : keys.values()) {
            n += m.size();
        }
        return n;
    }

    void clear() {
        keys.clear();
    }

    /** Deletes the remembered keys whose TTL passed; forgets those without a TTL now. */
    void expire(long nowMillis) {
        for (Iterator<Map.Entry<Integer, Map<BytesKey, Boolean>>> dbs = keys.entrySet().iterator(); dbs.hasNext();) {
            Map.Entry<Integer, Map<BytesKey, Boolean>> e = dbs.next();
            Db db = server.keyspace().db(e.getKey());
            for (Iterator<BytesKey> it = e.getValue().keySet().iterator(); it.hasNext();) {
                byte[] key = it.next().bytes();
                long when = db.getExpire(key);
                if (when == -1) {
                    it.remove();
                } else if (when <= nowMillis) {
                    it.remove();
                    db.delete(key);
                    server.keyspace().stats().expiredKeys++;
                    server.keyExpired(db, key);
                    db.notify(Notify.EXPIRED, "expired", key);
                }
            }
            if (e.getValue().isEmpty()) {
                dbs.remove();
            }
        }
    }
}
