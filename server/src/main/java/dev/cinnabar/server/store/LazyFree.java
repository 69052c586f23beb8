package dev.cinnabar.server.store;

import dev.cinnabar.server.store.hash.RHash;
import dev.cinnabar.server.store.list.QuickList;
import dev.cinnabar.server.store.set.RSet;
import dev.cinnabar.server.store.stream.Stream;
import dev.cinnabar.server.store.stream.StreamGroup;
import dev.cinnabar.server.store.zset.ZSet;

/**
 * What Redis's lazy freeing would do with a value, for the lazyfreed_objects statistic. Here the
 * garbage collector always frees concurrently, so UNLINK and FLUSHDB/FLUSHALL ASYNC only drop
 * references; the statistic counts what Redis hands to its background thread: a value UNLINK
 * removes whose free effort (allocations to release, Redis's lazyfreeGetFreeEffort) is above
 * {@value #THRESHOLD}, and every key of a database flushed with ASYNC.
 */
public final class LazyFree {
    /** Redis's LAZYFREE_THRESHOLD. */
    public static final long THRESHOLD = 64;

    private LazyFree() {
    }

    /**
     * Allocations Redis frees for the value: quicklist nodes, hash-table entries, skiplist
     * nodes, stream radix-tree nodes plus groups times the first group's PEL; 1 for strings and
     * compact encodings.
     */
    public static long effort(Object v) {
        if (v instanceof QuickList q) {
            return q.nodeCount();
        }
        if (v instanceof RSet s) {
            return s.encoding().equals("hashtable") ? s.size() : 1;
        }
        if (v instanceof ZSet z) {
            return z.encoding().equals("skiplist") ? z.size() : 1;
        }
        if (v instanceof RHash h) {
            return h.isListpack() ? 1 : h.size();
        }
        if (v instanceof Stream s) {
            long effort = s.radixTreeNodes();
            if (!s.groups().isEmpty()) {
                StreamGroup first = s.groups().firstEntry().getValue();
                effort += (long) s.groups().size() * (1 + first.pel().size());
            }
            return effort;
        }
        return 1;
    }

    /** Counts a value UNLINK removed. */
    public static void unlinked(Keyspace ks, Object v) {
        if (effort(v) > THRESHOLD) {
            ks.stats.lazyfreedObjects++;
        }
    }

    /** Counts the keys of a database emptied with ASYNC. */
    public static void flushedAsync(Keyspace ks, long keys) {
        ks.stats.lazyfreedObjects += keys;
    }
}
