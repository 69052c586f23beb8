package dev.cinnabar.cache;

/** Loads a value from the source of truth (usually a database). Returning null means "absent". */
@FunctionalInterface
public interface Loader<K, V> {
    V load(K key) throws Exception;
}
