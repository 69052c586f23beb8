package dev.cinnabar.server.command;

/** ACL categories, as COMMAND and ACL CAT name them (without the '@'). */
public enum AclCategory {
    KEYSPACE, READ, WRITE, SET, SORTEDSET, LIST, HASH, STRING, BITMAP, HYPERLOGLOG, GEO, STREAM, PUBSUB,
    ADMIN, FAST, SLOW, BLOCKING, DANGEROUS, CONNECTION, TRANSACTION, SCRIPTING;

    public String wireName() {
        return name().toLowerCase();
    }

    public static AclCategory parse(String wire) {
        return valueOf(wire.toUpperCase());
    }
}
