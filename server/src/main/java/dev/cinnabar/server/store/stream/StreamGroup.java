package dev.cinnabar.server.store.stream;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A consumer group of a stream: its last delivered ID, its logical read counter (entries-read,
 * Redis 7.0) and its pending entries list (PEL), plus its consumers, each with its own PEL.
 *
 * <p>Layout: the group PEL and every consumer PEL are ID-ordered maps sharing the same
 * {@link Nack} objects (an entry pending for consumer C is in the group PEL and in C's PEL, and its
 * nack points back at C), as in Redis. Consumers are ordered by name bytes (unsigned), the order
 * Redis's radix tree lists them in. Invariant: for every nack n in the group PEL, n.consumer's PEL
 * holds the same ID mapped to n, and no consumer PEL holds an ID the group PEL does not.
 */
public final class StreamGroup {
    /** entries-read when the counter is unknown (Redis's SCG_INVALID_ENTRIES_READ). */
    public static final long INVALID_ENTRIES_READ = -1;

    /** A pending entry: last delivery time (ms), delivery count and owner. */
    public static final class Nack {
        public long deliveryTime;
        public long deliveryCount;
        Consumer consumer;

        Nack(long deliveryTime, Consumer consumer) {
            this.deliveryTime = deliveryTime;
            this.deliveryCount = 1;
            this.consumer = consumer;
        }

        /** The owner; null only transiently while XCLAIM FORCE creates the nack. */
        public Consumer consumer() {
            return consumer;
        }
    }

    /** A consumer: its name, when it was last seen (ms) and the entries pending for it. */
    public static final class Consumer {
        private final byte[] name;
        public long seenTime;
        final TreeMap<StreamId, Nack> pel = new TreeMap<>();

        Consumer(byte[] name, long seenTime) {
            this.name = name;
            this.seenTime = seenTime;
        }

        public byte[] name() {
            return name;
        }

        public NavigableMap<StreamId, Nack> pel() {
            return java.util.Collections.unmodifiableNavigableMap(pel);
        }
    }

    private final TreeMap<StreamId, Nack> pel = new TreeMap<>();
    private final TreeMap<byte[], Consumer> consumers = new TreeMap<>(Arrays::compareUnsigned);
    private StreamId lastId;
    private long entriesRead;

    public StreamGroup(StreamId lastId, long entriesRead) {
        this.lastId = lastId;
        this.entriesRead = entriesRead;
    }

    public StreamId lastId() {
        return lastId;
    }

    public long entriesRead() {
        return entriesRead;
    }

    /** XGROUP SETID: moves the last delivered ID and sets the read counter (no checks, as Redis). */
    public void setId(StreamId id, long entriesRead) {
        this.lastId = id;
        this.entriesRead = entriesRead;
    }

    /** XCLAIM LASTID: raises the last delivered ID only. */
    public void raiseLastId(StreamId id) {
        if (id.compareTo(lastId) > 0) {
            lastId = id;
        }
    }

    public NavigableMap<StreamId, Nack> pel() {
        return java.util.Collections.unmodifiableNavigableMap(pel);
    }

    public NavigableMap<byte[], Consumer> consumers() {
        return java.util.Collections.unmodifiableNavigableMap(consumers);
    }

    public Consumer consumer(byte[] name) {
        return consumers.get(name);
    }

    /** Creates a consumer seen now; null when one with this name exists. */
    public Consumer createConsumer(byte[] name, long now) {
        if (consumers.containsKey(name)) {
            return null;
        }
        Consumer c = new Consumer(name.clone(), now);
        consumers.put(c.name, c);
        return c;
    }

    /** Deletes a consumer and its pending entries (from the group PEL too); returns how many it had. */
    public long deleteConsumer(Consumer c) {
        long n = c.pel.size();
        for (StreamId id : c.pel.keySet()) {
            pel.remove(id);
        }
        consumers.remove(c.name);
        return n;
    }

    /** XACK of one ID: true when it was pending. */
    public boolean ack(StreamId id) {
        Nack n = pel.remove(id);
        if (n == null) {
            return false;
        }
        n.consumer.pel.remove(id);
        return true;
    }

    /**
     * Records that entry {@code id} of stream {@code s} was delivered to {@code c} by XREADGROUP
     * with "&gt;": advances the last delivered ID and the read counter (which stays exact while no
     * tombstone lies ahead, and is otherwise re-estimated from the stream), and unless noAck puts
     * the entry in the PELs. An entry already pending (possible after XGROUP SETID) moves to
     * {@code c} with a fresh delivery count of 1.
     */
    public void delivered(Stream s, StreamId id, Consumer c, boolean noAck, long now) {
        if (id.compareTo(lastId) > 0) {
            if (entriesRead != INVALID_ENTRIES_READ && !s.rangeHasTombstones(id, null)) {
                entriesRead++;
            } else if (s.entriesAdded() != 0) {
                entriesRead = s.estimateDistanceFromFirstEverEntry(id);
            }
            lastId = id;
        }
        if (noAck) {
            return;
        }
        Nack n = pel.get(id);
        if (n == null) {
            n = new Nack(now, c);
            pel.put(id, n);
            c.pel.put(id, n);
            return;
        }
        n.consumer.pel.remove(id);
        n.consumer = c;
        n.deliveryTime = now;
        n.deliveryCount = 1;
        c.pel.put(id, n);
    }

    /**
     * Gives pending entry {@code id} to {@code c} (XCLAIM, XAUTOCLAIM): creates it when absent
     * and force (owner-less until now), sets the delivery time, and sets the delivery count to
     * retryCount when it is >= 0, else increments it unless justId. Returns the nack, or null when
     * the entry is not pending and not forced.
     */
    public Nack claim(StreamId id, Consumer c, long deliveryTime, long retryCount, boolean justId) {
        Nack n = pel.get(id);
        if (n == null) {
            return null;
        }
        if (n.consumer != c) {
            if (n.consumer != null) {
                n.consumer.pel.remove(id);
            }
        }
        n.deliveryTime = deliveryTime;
        if (retryCount >= 0) {
            n.deliveryCount = retryCount;
        } else if (!justId) {
            n.deliveryCount++;
        }
        if (n.consumer != c) {
            c.pel.put(id, n);
            n.consumer = c;
        }
        return n;
    }

    /** XCLAIM FORCE: a pending entry with no owner yet (the caller claims it at once). */
    public Nack createOwnerless(StreamId id, long now) {
        Nack n = new Nack(now, null);
        pel.put(id, n);
        return n;
    }

    /** A deep copy (COPY): nacks are shared between the group PEL and the consumer PELs, so are the copies. */
    StreamGroup copy() {
        StreamGroup g = new StreamGroup(lastId, entriesRead);
        Map<Consumer, Consumer> cmap = new IdentityHashMap<>();
        for (Consumer c : consumers.values()) {
            Consumer d = new Consumer(c.name, c.seenTime);
            g.consumers.put(d.name, d);
            cmap.put(c, d);
        }
        for (Map.Entry<StreamId, Nack> e : pel.entrySet()) {
            Nack o = e.getValue();
            Nack n = new Nack(o.deliveryTime, cmap.get(o.consumer));
            n.deliveryCount = o.deliveryCount;
            g.pel.put(e.getKey(), n);
            if (n.consumer != null) {
                n.consumer.pel.put(e.getKey(), n);
            }
        }
        return g;
    }
}
