package dev.cinnabar.cache;

/** A load from the source failed, timed out, or was refused by the source's concurrency limit. */
public class CacheLoadException extends RuntimeException {
    public CacheLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
