package dev.cinnabar.server.store;

/**
 * An int-encoded string value that INCR, DECR, INCRBY and DECRBY change in place: Redis modifies
 * an unshared int object rather than allocating a new one, so the value keeps its identity
 * (DEBUG OBJECT's address) and counting allocates nothing. Made by the first such command on a
 * key whose result is outside the shared integers; everywhere else it reads like a {@code Long}
 * (see {@link Strings}). Mutated only by its key's counter commands, under the execution lock;
 * COPY copies it ({@link Values#copy}).
 */
public final class IntCounter {
    private long value;

    public IntCounter(long value) {
        this.value = value;
    }

    public long get() {
        return value;
    }

    public void set(long v) {
        value = v;
    }

    @Override
    public String toString() {
        return Long.toString(value);
    }
}
