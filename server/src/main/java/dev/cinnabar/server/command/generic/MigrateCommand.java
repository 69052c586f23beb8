package dev.cinnabar.server.command.generic;

import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.persistence.rdb.DumpPayload;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.Numbers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password | AUTH2 user
 * password] [KEYS key ...], as Redis 7.0's (cluster.c): the keys that exist are sent to the target
 * as one pipeline, [AUTH], SELECT when the cached connection's database differs, then one
 * "RESTORE key ttl payload [REPLACE]" per key (TTL relative, at least 1 ms for a key with an
 * expiry), and the replies are read in order. A key the target acknowledged is deleted here unless
 * COPY; the first error line from the target (AUTH, SELECT or a RESTORE) becomes "ERR Target
 * instance replied with error: ...", and a key whose RESTORE the target accepted after a failed
 * AUTH or SELECT is kept, as Redis keeps it. +NOKEY when none of the keys exists. The command
 * propagates as DEL of the keys it deleted (nothing when none was, or with COPY).
 *
 * <p>Failures of the connection: IOERR connecting / writing / reading. A socket error other than a
 * timeout, before any RESTORE reply was read, closes the cached connection and retries once on a
 * new one (the target may have closed an idle cached connection). The command blocks the thread
 * holding the execution lock for up to the timeout per operation, as Redis blocks its main thread
 * ({@link MigrateSockets}).
 */
final class MigrateCommand {
    void register(CommandTable t) {
        t.bind("migrate", this::migrate);
    }

    /** What the arguments ask for. */
    private record Args(boolean copy, boolean replace, byte[] user, byte[] password, int firstKey, int numKeys) {
    }

    /** Redis's option loop: syntax errors and the KEYS rule first, then timeout and db as integers. */
    private static Args parse(Client c) {
        boolean copy = false;
        boolean replace = false;
        byte[] user = null;
        byte[] password = null;
        int firstKey = 3;
        int numKeys = 1;
        for (int j = 6; j < c.argc(); j++) {
            int more = c.argc() - 1 - j;
            byte[] opt = c.arg(j);
            if (Texts.is(opt, "copy")) {
                copy = true;
            } else if (Texts.is(opt, "replace")) {
                replace = true;
            } else if (Texts.is(opt, "auth")) {
                if (more < 1) {
                    c.error(Errors.SYNTAX);
                    return null;
                }
                password = c.arg(++j);
            } else if (Texts.is(opt, "auth2")) {
                if (more < 2) {
                    c.error(Errors.SYNTAX);
                    return null;
                }
                user = c.arg(++j);
                password = c.arg(++j);
            } else if (Texts.is(opt, "keys")) {
                if (c.arg(3).length != 0) {
                    c.error(Errors.MIGRATE_KEYS_NOT_EMPTY);
                    return null;
                }
                firstKey = j + 1;
                numKeys = c.argc() - j - 1;
                break;
            } else {
                c.error(Errors.SYNTAX);
                return null;
            }
        }
        return new Args(copy, replace, user, password, firstKey, numKeys);
    }

    void migrate(Client c) {
        Args a = parse(c);
        if (a == null) {
            return;
        }
        Long timeout = Numbers.parseLong(c.arg(5));
        Long dbid = timeout == null ? null : Numbers.parseLong(c.arg(4));
        if (timeout == null || dbid == null) {
            c.error(Errors.NOT_INTEGER);
            return;
        }
        long timeoutMs = timeout <= 0 ? 1000 : timeout;
        Db db = c.db();
        List<byte[]> keys = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        for (int j = 0; j < a.numKeys(); j++) {
            byte[] k = c.arg(a.firstKey() + j);
            Object v = db.lookupRead(k);
            if (v != null) {
                keys.add(k);
                values.add(v);
            }
        }
        if (keys.isEmpty()) {
            c.reply().simple("NOKEY");
            return;
        }
        String host = new String(c.arg(1), StandardCharsets.UTF_8);
        String port = new String(c.arg(2), StandardCharsets.UTF_8);
        MigrateSockets sockets = MigrateSockets.of(c.server());
        boolean mayRetry = true;
        while (true) {
            MigrateSockets.Target target;
            try {
                target = sockets.get(host, port, timeoutMs, c.server().now());
            } catch (IOException e) {
                c.error(Errors.MIGRATE_CONNECT);
                return;
            }
            Attempt at = new Attempt(c, a, target, dbid, timeoutMs, keys, values);
            Outcome o = at.run();
            if (o == Outcome.DONE) {
                return;
            }
            sockets.close(host, port);
            if (o == Outcome.REPLIED) {
                return;
            }
            if (o == Outcome.RETRY && mayRetry) {
                mayRetry = false;
                continue;
            }
            c.error(at.writeError ? Errors.MIGRATE_WRITE : Errors.MIGRATE_READ);
            return;
        }
    }

    /** How an attempt ended: replied (or the target's error replied), or a socket error. */
    private enum Outcome {
        DONE,
        /** The target's error was replied, then the connection failed: it is dropped. */
        REPLIED,
        /** Nothing was acknowledged and the error was not a timeout: worth a fresh connection. */
        RETRY,
        FAILED
    }

    /** One attempt over one connection: build the pipeline, send it, read the replies. */
    private static final class Attempt {
        private static final byte[] DEL = bytes("DEL");

        private final Client c;
        private final Args a;
        private final MigrateSockets.Target target;
        private final long dbid;
        private final long timeoutMs;
        private final List<byte[]> keys;
        private final List<Object> values;
        boolean writeError;

        Attempt(Client c, Args a, MigrateSockets.Target target, long dbid, long timeoutMs, List<byte[]> keys,
                List<Object> values) {
            this.c = c;
            this.a = a;
            this.target = target;
            this.dbid = dbid;
            this.timeoutMs = timeoutMs;
            this.keys = keys;
            this.values = values;
        }

        Outcome run() {
            ByteArrayOutputStream cmd = new ByteArrayOutputStream();
            if (a.password() != null) {
                if (a.user() != null) {
                    command(cmd, bytes("AUTH"), a.user(), a.password());
                } else {
                    command(cmd, bytes("AUTH"), a.password());
                }
            }
            boolean select = target.lastDbid != dbid;
            if (select) {
                command(cmd, bytes("SELECT"), bytes(Long.toString(dbid)));
            }
            List<byte[]> sent = new ArrayList<>();
            Db db = c.db();
            long now = c.server().now();
            for (int j = 0; j < keys.size(); j++) {
                byte[] k = keys.get(j);
                long ttl = 0;
                long expireAt = db.getExpire(k);
                if (expireAt != -1) {
                    ttl = expireAt - now;
                    if (ttl < 0) {
                        continue;
                    }
                    ttl = Math.max(ttl, 1);
                }
                sent.add(k);
                byte[] payload = DumpPayload.dump(values.get(j), c.server().config().rdbcompression);
                if (a.replace()) {
                    command(cmd, bytes("RESTORE"), k, bytes(Long.toString(ttl)), payload, bytes("REPLACE"));
                } else {
                    command(cmd, bytes("RESTORE"), k, bytes(Long.toString(ttl)), payload);
                }
            }
            try {
                target.write(cmd.toByteArray(), timeoutMs);
            } catch (IOException e) {
                writeError = true;
                return e instanceof SocketTimeoutException ? Outcome.FAILED : Outcome.RETRY;
            }
            byte[] authReply = null;
            byte[] selectReply = null;
            try {
                if (a.password() != null) {
                    authReply = target.readLine(timeoutMs);
                }
                if (select) {
                    selectReply = target.readLine(timeoutMs);
                }
            } catch (IOException e) {
                return e instanceof SocketTimeoutException ? Outcome.FAILED : Outcome.RETRY;
            }
            boolean errorFromTarget = false;
            List<byte[]> deleted = new ArrayList<>();
            int j = 0;
            IOException socketError = null;
            for (; j < sent.size(); j++) {
                byte[] reply;
                try {
                    reply = target.readLine(timeoutMs);
                } catch (IOException e) {
                    socketError = e;
                    break;
                }
                byte[] error = isError(authReply) ? authReply : isError(selectReply) ? selectReply
                        : isError(reply) ? reply : null;
                if (error != null) {
                    if (!errorFromTarget) {
                        errorFromTarget = true;
                        target.lastDbid = -1;
                        c.error(Errors.MIGRATE_TARGET_ERROR
                                + new String(error, 1, error.length - 1, StandardCharsets.UTF_8));
                    }
                } else if (!a.copy()) {
                    byte[] k = sent.get(j);
                    db.delete(k);
                    db.signalModified(k);
                    db.notify(Notify.GENERIC, "del", k);
                    c.dirty(1);
                    deleted.add(k);
                }
            }
            if (!deleted.isEmpty()) {
                // replicas and the AOF delete what the target acknowledged, as Redis's rewrite to DEL
                deleted.add(0, DEL);
                c.rewriteArgv(deleted.toArray(new byte[0][]));
            }
            if (socketError != null) {
                if (errorFromTarget) {
                    return Outcome.REPLIED;
                }
                boolean retry = j == 0 && !(socketError instanceof SocketTimeoutException);
                return retry ? Outcome.RETRY : Outcome.FAILED;
            }
            if (!errorFromTarget) {
                target.lastDbid = dbid;
                c.reply().ok();
            }
            return Outcome.DONE;
        }

        private static boolean isError(byte[] line) {
            return line != null && line.length > 0 && line[0] == '-';
        }

        private static byte[] bytes(String s) {
            return s.getBytes(StandardCharsets.US_ASCII);
        }

        /** A command in RESP, as the target reads it. */
        private static void command(ByteArrayOutputStream out, byte[]... args) {
            out.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (byte[] arg : args) {
                out.writeBytes(("$" + arg.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.writeBytes(arg);
                out.writeBytes(new byte[] {'\r', '\n'});
            }
        }
    }
}
