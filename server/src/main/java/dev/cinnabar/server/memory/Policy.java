package dev.cinnabar.server.memory;

/** maxmemory-policy values: which keys eviction may pick, and how it ranks them (Redis's MAXMEMORY_*). */
enum Policy {
    NOEVICTION(false, Rank.NONE),
    ALLKEYS_LRU(true, Rank.IDLE),
    VOLATILE_LRU(false, Rank.IDLE),
    ALLKEYS_LFU(true, Rank.FREQUENCY),
    VOLATILE_LFU(false, Rank.FREQUENCY),
    ALLKEYS_RANDOM(true, Rank.RANDOM),
    VOLATILE_RANDOM(false, Rank.RANDOM),
    VOLATILE_TTL(false, Rank.TTL);

    /** How candidates are ranked: idle time, inverse access frequency, nearest expiry, or not at all. */
    enum Rank { NONE, IDLE, FREQUENCY, RANDOM, TTL }

    /** True when every key is a candidate; false when only keys with a TTL are (volatile-*). */
    final boolean allKeys;
    final Rank rank;

    Policy(boolean allKeys, Rank rank) {
        this.allKeys = allKeys;
        this.rank = rank;
    }

    /** The policy of a maxmemory-policy value (validated by the configuration table). */
    static Policy of(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
    }

    /** True when the pool ranks candidates (LRU, LFU, TTL); the random policies pick directly. */
    boolean pooled() {
        return rank == Rank.IDLE || rank == Rank.FREQUENCY || rank == Rank.TTL;
    }
}
