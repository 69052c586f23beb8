package dev.cinnabar.server.store.set;

import dev.cinnabar.server.store.Hashing;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;

/**
 * An intrusive chained hash table of byte-string members: the "hashtable" encoding of sets and
 * the member index of large sorted sets.
 *
 * <p>Intrusive: the table stores {@link Node}s (member, hash, chain link) and callers may extend
 * Node with their own fields (the sorted set's skiplist node does), so each member costs one
 * object plus its bytes. Power-of-two bucket arrays, grown at load factor 1 and shrunk below 1/8,
 * so SCAN can use Redis's reverse-binary cursor: a member present for a whole scan is returned at
 * least once across resizes (here resizes happen at once, between calls, never during one).
 *
 * <p>Not thread-safe: used under the server's execution lock.
 */
public final class BytesTable<N extends BytesTable.Node> {
    /** A member in the table. Subclasses add payload. The member array is never mutated. */
    public static class Node {
        protected final byte[] member;
        final int hash;
        Node chain;

        public Node(byte[] member) {
            this.member = member;
            this.hash = Hashing.hash(member);
        }

        public final byte[] member() {
            return member;
        }
    }

    private static final Node[] EMPTY = new Node[0];
    private static final int MIN_BUCKETS = 4;

    private Node[] buckets = EMPTY;
    private int size;

    public int size() {
        return size;
    }

    /** The node holding member, or null. */
    @SuppressWarnings("unchecked")
    public N find(byte[] member) {
        if (size == 0) {
            return null;
        }
        int h = Hashing.hash(member);
        for (Node n = buckets[h & (buckets.length - 1)]; n != null; n = n.chain) {
            if (n.hash == h && Arrays.equals(n.member, member)) {
                return (N) n;
            }
        }
        return null;
    }

    public boolean contains(byte[] member) {
        return find(member) != null;
    }

    /**
     * The table's shape for DEBUG HTSTATS-KEY: bucket count, members, and how many buckets have
     * each chain length (lengths of maxLength and above share the last slot). A walk of the table.
     */
    public dev.cinnabar.server.store.Dict.TableStats stats(int maxLength) {
        long[] lengths = new long[maxLength + 1];
        int longest = 0;
        for (Node head : buckets) {
            int len = 0;
            for (Node n = head; n != null; n = n.chain) {
                len++;
            }
            lengths[Math.min(len, maxLength)]++;
            longest = Math.max(longest, len);
        }
        return new dev.cinnabar.server.store.Dict.TableStats(buckets.length, size, lengths, longest);
    }

    /** Adds a node whose member the caller knows is absent. */
    public void addNew(N node) {
        if (size >= buckets.length) {
            resize(Math.max(MIN_BUCKETS, buckets.length * 2));
        }
        int i = node.hash & (buckets.length - 1);
        node.chain = buckets[i];
        buckets[i] = node;
        size++;
    }

    /** Removes and returns the node holding member, or null. */
    @SuppressWarnings("unchecked")
    public N remove(byte[] member) {
        if (size == 0) {
            return null;
        }
        int h = Hashing.hash(member);
        int i = h & (buckets.length - 1);
        Node prev = null;
        for (Node n = buckets[i]; n != null; prev = n, n = n.chain) {
            if (n.hash == h && Arrays.equals(n.member, member)) {
                if (prev == null) {
                    buckets[i] = n.chain;
                } else {
                    prev.chain = n.chain;
                }
                n.chain = null;
                size--;
                shrinkIfNeeded();
                return (N) n;
            }
        }
        return null;
    }

    private void shrinkIfNeeded() {
        if (size == 0) {
            buckets = EMPTY;
        } else if (buckets.length > MIN_BUCKETS && size < buckets.length / 8) {
            resize(Math.max(MIN_BUCKETS, Integer.highestOneBit(size) * 2));
        }
    }

    private void resize(int n) {
        Node[] nb = new Node[n];
        for (Node head : buckets) {
            for (Node x = head; x != null;) {
                Node next = x.chain;
                int i = x.hash & (n - 1);
                x.chain = nb[i];
                nb[i] = x;
                x = next;
            }
        }
        buckets = nb;
    }

    /** Chain positions tried per random bucket: at load factor 1 chains longer than this are rare. */
    private static final int RANDOM_CHAIN_SPAN = 8;

    /**
     * A random node, or null when empty, every node equally likely. Picking a random bucket and
     * then a random node of its chain (as Redis's dictGetRandomKey) favours nodes in short chains;
     * instead a (bucket, position) pair is drawn uniformly and redrawn when the bucket has no node
     * at that position, which is exact for nodes within the first {@code RANDOM_CHAIN_SPAN} of a
     * chain. After many misses (a table left sparse) it falls back to walking to a uniform index.
     */
    @SuppressWarnings("unchecked")
    public N random(Random rnd) {
        if (size == 0) {
            return null;
        }
        int m = buckets.length - 1;
        for (int tries = 0; tries < 256; tries++) {
            Node x = buckets[rnd.nextInt() & m];
            for (int k = rnd.nextInt(RANDOM_CHAIN_SPAN); x != null && k > 0; k--) {
                x = x.chain;
            }
            if (x != null) {
                return (N) x;
            }
        }
        int k = rnd.nextInt(size);
        for (Node head : buckets) {
            for (Node x = head; x != null; x = x.chain) {
                if (k-- == 0) {
                    return (N) x;
                }
            }
        }
        throw new IllegalStateException("size does not match the buckets");
    }

    /** Visits every node (the visitor must not modify the table). */
    @SuppressWarnings("unchecked")
    public void forEach(Consumer<? super N> visitor) {
        for (Node head : buckets) {
            for (Node x = head; x != null; x = x.chain) {
                visitor.accept((N) x);
            }
        }
    }

    /**
     * Visits one bucket for a SCAN step and returns the next cursor (0 when the scan is complete),
     * with Redis's reverse-binary increment.
     */
    @SuppressWarnings("unchecked")
    public long scan(long cursor, Consumer<? super N> visitor) {
        if (size == 0) {
            return 0;
        }
        long m = buckets.length - 1;
        for (Node x = buckets[(int) (cursor & m)]; x != null; x = x.chain) {
            visitor.accept((N) x);
        }
        long v = cursor | ~m;
        v = Long.reverse(v);
        v++;
        return Long.reverse(v);
    }

    /** Removes everything. */
    public void clear() {
        buckets = EMPTY;
        size = 0;
    }
}
