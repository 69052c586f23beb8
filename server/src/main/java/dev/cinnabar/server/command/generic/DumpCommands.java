package dev.cinnabar.server.command.generic;

import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.persistence.Persistence;
import dev.cinnabar.server.persistence.rdb.DumpPayload;
import dev.cinnabar.server.persistence.rdb.RdbValues;
import dev.cinnabar.server.propagate.Propagator;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Dict;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.Numbers;

/**
 * DUMP and RESTORE (Redis's cluster.c): a key's value as a payload in Redis's format
 * ({@link DumpPayload}), and a key made from one, with a TTL (relative, or absolute with ABSTTL),
 * REPLACE, and the LRU idle time or LFU counter (IDLETIME, FREQ). Payloads are interchangeable
 * with Redis 7.0's both ways; every payload is checked (checksum, version, then the whole value)
 * before the keyspace is touched, whatever sanitize-dump-payload says (a corrupt payload is
 * refused with "Bad data format", never stored half-way). RESTORE-ASKING is RESTORE here (no
 * cluster). MIGRATE is in {@link MigrateCommand}.
 */
final class DumpCommands {
    void register(CommandTable t) {
        t.bind("dump", this::dump);
        t.bind("restore", this::restore);
        // what a Redis Cluster node's MIGRATE sends; outside a cluster it is RESTORE
        t.bind("restore-asking", this::restore);
        new MigrateCommand().register(t);
    }

    void dump(Client c) {
        Object v = c.db().lookupRead(c.arg(1));
        byte[] payload = v == null ? null : DumpPayload.dump(v, c.server().config().rdbcompression);
        if (payload == null) {
            c.reply().nullBulk();
        } else {
            c.reply().bulk(payload);
        }
    }

    private static final byte[] DEL = Propagator.bytes("DEL");
    private static final byte[] ABSTTL = Propagator.bytes("ABSTTL");

    /**
     * Whether Redis would sanitize this RESTORE deeply (sanitize-dump-payload yes, or clients for a
     * command that does not come from a master). We always validate the whole payload (see
     * {@link DumpPayload#read}); the setting decides what INFO's dump_payload_sanitizations counts.
     */
    private static boolean sanitizes(Client c) {
        String mode = c.server().config().sanitizeDumpPayload;
        return mode.equals("yes") || (mode.equals("clients") && !ClientFlags.mustObey(c.flags));
    }

    void restore(Client c) {
        boolean replace = false;
        boolean absTtl = false;
        long idle = -1;
        long freq = -1;
        for (int j = 4; j < c.argc(); j++) {
            String opt = new String(c.arg(j), java.nio.charset.StandardCharsets.US_ASCII).toLowerCase(java.util.Locale.ROOT);
            boolean more = j + 1 < c.argc();
            if (opt.equals("replace")) {
                replace = true;
            } else if (opt.equals("absttl")) {
                absTtl = true;
            } else if (opt.equals("idletime") && more && freq == -1) {
                Long v = Numbers.parseLong(c.arg(++j));
                if (v == null) {
                    c.error(Errors.NOT_INTEGER);
                    return;
                }
                if (v < 0) {
                    c.error(Errors.INVALID_IDLETIME);
                    return;
                }
                idle = v;
            } else if (opt.equals("freq") && more && idle == -1) {
                Long v = Numbers.parseLong(c.arg(++j));
                if (v == null) {
                    c.error(Errors.NOT_INTEGER);
                    return;
                }
                if (v < 0 || v > 255) {
                    c.error(Errors.INVALID_FREQ);
                    return;
                }
                freq = v;
            } else {
                c.error(Errors.SYNTAX);
                return;
            }
        }
        Db db = c.db();
        byte[] key = c.arg(1);
        if (!replace && db.lookupWrite(key) != null) {
            c.error(Errors.BUSYKEY);
            return;
        }
        Long ttl = Numbers.parseLong(c.arg(2));
        if (ttl == null) {
            c.error(Errors.NOT_INTEGER);
            return;
        }
        if (ttl < 0) {
            c.error(Errors.INVALID_TTL);
            return;
        }
        byte[] payload = c.arg(3);
        if (!DumpPayload.verify(payload, Persistence.of(c.server()).skipChecksumValidation)) {
            c.error(Errors.DUMP_PAYLOAD);
            return;
        }
        Object value;
        try {
            DumpPayload.Restored r = DumpPayload.read(payload, RdbValues.Limits.of(c.server().config()));
            value = r.value();
            if (sanitizes(c)) {
                c.server().stats().dumpPayloadSanitizations += r.packedBlobs();
            }
        } catch (RuntimeException e) {
            // any malformed payload: the value is rejected whole, nothing was stored; Redis logs
            // why at verbose level (an empty value is refused silently)
            if (e instanceof DumpPayload.Corrupt bad) {
                c.server().log().verbose("Internal error in RDB reading offset " + bad.offset + " -> "
                        + bad.getMessage());
            }
            c.error(Errors.BAD_DATA_FORMAT);
            return;
        }
        boolean deleted = replace && db.delete(key);
        long when = ttl;
        if (when != 0 && !absTtl) {
            when += c.server().now();
        }
        if (when != 0 && db.alreadyExpired(when)) {
            if (deleted) {
                db.signalModified(key);
                db.notify(Notify.GENERIC, "del", key);
                c.dirty(1);
                c.rewriteArgv(DEL, key);
            }
            c.reply().ok();
            return;
        }
        Dict.Entry e = db.add(key, value);
        if (when != 0) {
            db.setExpire(key, when);
        }
        c.server().keyspace().setIdleOrFreq(e, idle, freq);
        db.signalModified(key);
        db.notify(Notify.GENERIC, "restore", key);
        c.dirty(1);
        if (when != 0 && !absTtl) {
            // a relative TTL replicates as the absolute time it gave
            c.rewriteArgument(2, Propagator.bytes(when));
            c.rewriteArgument(c.argc(), ABSTTL);
        }
        c.reply().ok();
    }
}
