package dev.cinnabar.server.protocol;

/** A malformed request. The message is the Redis error text sent before the connection closes. */
public final class ProtocolException extends Exception {
    public ProtocolException(String message) {
        super(message, null, false, false);
    }
}
