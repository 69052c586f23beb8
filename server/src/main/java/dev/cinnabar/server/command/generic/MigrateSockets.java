package dev.cinnabar.server.command.generic;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.ServerCron;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * MIGRATE's cache of connections to target instances, as Redis's migrate_cached_sockets: one
 * connection per "host:port" (the arguments as given), at most 64 (a new one beyond that closes
 * one at random), each remembering the database its last successful MIGRATE selected so the next
 * one sends SELECT only when the database changes. The cron closes a connection idle for more than
 * 10 seconds (by whole seconds, as Redis compares unix times); INFO reports the count.
 *
 * <p>I/O is synchronous with a deadline per operation ({@link Target}): MIGRATE runs it on the
 * thread that holds the execution lock, exactly as Redis blocks its main thread for up to the
 * timeout per connect, write or reply line. Other clients wait meanwhile (their event loops keep
 * reading and are woken when the lock is released); a target that does not answer costs at most
 * the timeout per operation, never more, and the caller gets IOERR.
 *
 * <p>The map is guarded by this object's monitor: the cron and MIGRATE use it under the execution
 * lock, the shutdown listener without it.
 */
public final class MigrateSockets {
    static final int MAX_ITEMS = 64;
    static final long IDLE_SECONDS = 10;

    private final Map<String, Target> cache = new LinkedHashMap<>();

    private MigrateSockets() {
    }

    /** The server's cache, created (with its cron task and shutdown clean-up) on first use. */
    static MigrateSockets of(ServerContext server) {
        MigrateSockets existing = server.featureIfCreated(MigrateSockets.class);
        if (existing != null) {
            return existing;
        }
        MigrateSockets created = new MigrateSockets();
        MigrateSockets s = server.featureIfAbsent(MigrateSockets.class, created);
        if (s == created) {
            ServerCron cron = server.cron();
            if (cron != null) {
                cron.add(s::closeIdle);
            }
            server.addShutdownListener(s::closeAll);
        }
        return s;
    }

    /** INFO stats migrate_cached_sockets: 0 when MIGRATE never ran. */
    public static int cachedCount(ServerContext server) {
        MigrateSockets s = server.featureIfCreated(MigrateSockets.class);
        if (s == null) {
            return 0;
        }
        synchronized (s) {
            return s.cache.size();
        }
    }

    /**
     * The cached connection to host:port, or a new one connected within timeoutMs (IOException
     * when the host cannot be resolved or the connection times out; see {@link Target#connect}).
     */
    Target get(String host, String port, long timeoutMs, long nowMillis) throws IOException {
        String name = host + ":" + port;
        synchronized (this) {
            Target t = cache.get(name);
            if (t != null) {
                t.lastUseSeconds = nowMillis / 1000;
                return t;
            }
            if (cache.size() >= MAX_ITEMS) {
                List<String> names = new ArrayList<>(cache.keySet());
                String victim = names.get(ThreadLocalRandom.current().nextInt(names.size()));
                cache.remove(victim).close();
            }
        }
        Target t = Target.connect(host, atoi(port), timeoutMs);
        t.lastUseSeconds = nowMillis / 1000;
        synchronized (this) {
            Target raced = cache.put(name, t);
            if (raced != null) {
                raced.close();
            }
        }
        return t;
    }

    /** Closes and forgets the connection to host:port (after an I/O error), if cached. */
    void close(String host, String port) {
        Target t;
        synchronized (this) {
            t = cache.remove(host + ":" + port);
        }
        if (t != null) {
            t.close();
        }
    }

    /** The cron task: closes the connections idle for more than 10 seconds. */
    void closeIdle(long nowMillis) {
        long now = nowMillis / 1000;
        List<Target> idle = new ArrayList<>();
        synchronized (this) {
            cache.values().removeIf(t -> {
                boolean old = now - t.lastUseSeconds > IDLE_SECONDS;
                if (old) {
                    idle.add(t);
                }
                return old;
            });
        }
        idle.forEach(Target::close);
    }

    private void closeAll() {
        List<Target> all;
        synchronized (this) {
            all = new ArrayList<>(cache.values());
            cache.clear();
        }
        all.forEach(Target::close);
    }

    /** The port as C's atoi reads it (leading blanks, sign, digits; anything else ends it). */
    static int atoi(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        boolean neg = i < s.length() && s.charAt(i) == '-';
        if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            i++;
        }
        long v = 0;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9' && v <= Integer.MAX_VALUE) {
            v = v * 10 + (s.charAt(i++) - '0');
        }
        v = neg ? -v : v;
        return v > Integer.MAX_VALUE || v < Integer.MIN_VALUE ? -1 : (int) v;
    }

    /**
     * One connection to a target, with synchronous operations bounded by a deadline each: a
     * non-blocking channel and its own selector, so neither a write to a target that stops reading
     * nor a read from one that stops answering can outlast the timeout.
     */
    static final class Target {
        /** Redis reads reply lines into a 1024-byte buffer: the first 1023 bytes are kept. */
        private static final int MAX_LINE = 1023;

        private final SocketChannel channel;
        private final Selector selector;
        private final SelectionKey key;
        private final ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        /** The database the last successful MIGRATE selected, -1 when unknown. */
        long lastDbid = -1;
        long lastUseSeconds;
        /** Why the connection failed, when it did; every write then fails with it. */
        private IOException broken;

        private Target(SocketChannel channel, Selector selector) throws IOException {
            this.channel = channel;
            this.selector = selector;
            this.key = channel.register(selector, 0);
            in.flip();
        }

        /**
         * Connects within timeoutMs. As Redis's blocking connect, only an address that cannot be
         * resolved (or a negative port) or a timeout fail here; a refused connection yields a
         * target whose first write fails, so the caller retries once and then reports an error
         * writing, as Redis does (it waits for writability and does not look at the socket error).
         */
        static Target connect(String host, int port, long timeoutMs) throws IOException {
            if (host.isEmpty() || port < 0) {
                throw new IOException("cannot resolve " + host + ":" + port);
            }
            // the service number as the resolver reads it: 16 bits
            InetSocketAddress address = new InetSocketAddress(host, port & 0xffff);
            if (address.isUnresolved()) {
                throw new IOException("unknown host " + host);
            }
            SocketChannel ch = SocketChannel.open();
            Selector sel = null;
            try {
                ch.configureBlocking(false);
                sel = Selector.open();
                Target t = new Target(ch, sel);
                try {
                    if (!ch.connect(address)) {
                        t.await(SelectionKey.OP_CONNECT, deadline(timeoutMs));
                        if (!ch.finishConnect()) {
                            throw new SocketTimeoutException("connect timed out");
                        }
                    }
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                } catch (SocketTimeoutException e) {
                    throw e;
                } catch (IOException e) {
                    t.broken = e;
                }
                return t;
            } catch (IOException | RuntimeException e) {
                ch.close();
                if (sel != null) {
                    sel.close();
                }
                throw e;
            }
        }

        private static long deadline(long timeoutMs) {
            return System.nanoTime() + Math.min(timeoutMs, Long.MAX_VALUE / 2_000_000) * 1_000_000;
        }

        /** Waits until the channel is ready for op, or throws SocketTimeoutException at the deadline. */
        private void await(int op, long deadline) throws IOException {
            key.interestOps(op);
            try {
                while (true) {
                    long left = (deadline - System.nanoTime()) / 1_000_000;
                    if (left <= 0) {
                        throw new SocketTimeoutException("timed out");
                    }
                    selector.selectedKeys().clear();
                    if (selector.select(left) > 0) {
                        return;
                    }
                }
            } finally {
                if (key.isValid()) {
                    key.interestOps(0);
                }
                selector.selectedKeys().clear();
            }
        }

        /** Writes all of b, each 64 KB chunk within timeoutMs (as Redis's connSyncWrite per chunk). */
        void write(byte[] b, long timeoutMs) throws IOException {
            if (broken != null) {
                throw new IOException("not connected", broken);
            }
            int chunk = 64 * 1024;
            for (int pos = 0; pos < b.length; pos += chunk) {
                ByteBuffer buf = ByteBuffer.wrap(b, pos, Math.min(chunk, b.length - pos));
                long deadline = deadline(timeoutMs);
                while (buf.hasRemaining()) {
                    if (channel.write(buf) == 0) {
                        await(SelectionKey.OP_WRITE, deadline);
                    }
                }
            }
        }

        /**
         * Reads one reply line within timeoutMs, without its CRLF (at most its first 1023 bytes;
         * the rest of a longer line is consumed). IOException when the target closes the connection.
         */
        byte[] readLine(long timeoutMs) throws IOException {
            long deadline = deadline(timeoutMs);
            java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
            while (true) {
                while (in.hasRemaining()) {
                    byte c = in.get();
                    if (c == '\n') {
                        byte[] l = line.toByteArray();
                        int n = l.length > 0 && l[l.length - 1] == '\r' ? l.length - 1 : l.length;
                        return java.util.Arrays.copyOf(l, Math.min(n, MAX_LINE));
                    }
                    if (line.size() <= MAX_LINE) {
                        line.write(c);
                    }
                }
                in.clear();
                int n;
                try {
                    n = channel.read(in);
                } finally {
                    in.flip();
                }
                if (n < 0) {
                    throw new IOException("connection closed by the target");
                }
                if (n == 0) {
                    await(SelectionKey.OP_READ, deadline);
                }
            }
        }

        void close() {
            try {
                selector.close();
            } catch (IOException e) {
                // nothing to do: closing
            }
            try {
                channel.close();
            } catch (IOException e) {
                // nothing to do: closing
            }
        }
    }
}
