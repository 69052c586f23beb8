package dev.cinnabar.server.scripting;

/** A script that cannot be loaded or run; the message is the full Redis error reply text. */
public final class ScriptException extends Exception {
    public ScriptException(String message) {
        super(message, null, false, false);
    }
}
