package dev.cinnabar.server.store;

/** Counters INFO reports about the keyspace. Mutated under the execution lock only. */
public final class KeyspaceStats {
    public long keyspaceHits;
    public long keyspaceMisses;
    public long expiredKeys;
    public long evictedKeys;
    public double expiredStalePerc;
    public long expiredTimeCapReachedCount;
    public long expireCycleCpuMillis;
    /** Values and keys Redis would have freed in the background ({@link LazyFree}). */
    public long lazyfreedObjects;

    public void reset() {
        keyspaceHits = keyspaceMisses = expiredKeys = evictedKeys = 0;
        expiredStalePerc = 0;
        expiredTimeCapReachedCount = 0;
        expireCycleCpuMillis = 0;
        lazyfreedObjects = 0;
    }
}
