package dev.cinnabar.server.command;

import dev.cinnabar.server.session.Client;

/**
 * One command's semantics. Arguments are in {@code c.argv()[0..c.argc())}; the reply goes to
 * {@code c.reply()}. Arity, auth, ACL, MULTI queueing and stats have been handled by the gate.
 */
@FunctionalInterface
public interface CommandHandler {
    void execute(Client c);
}
