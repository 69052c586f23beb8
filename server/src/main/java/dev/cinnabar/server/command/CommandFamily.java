package dev.cinnabar.server.command;

/**
 * A family of commands (strings, lists, server, ...): binds a handler to each of its commands'
 * metadata entries in the table. One class per family, one method per command.
 */
public interface CommandFamily {
    void register(CommandTable table);
}
