package dev.cinnabar.server.config;

/** A rejected configuration value; the message is Redis's reason text (e.g. "argument must be 'yes' or 'no'"). */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message, null, false, false);
    }
}
