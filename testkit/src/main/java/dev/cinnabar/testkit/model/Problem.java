package dev.cinnabar.testkit.model;

import java.util.List;

/**
 * One thing wrong with a dialog's run: a kind ("no reply", "reply differs", "stall"...), the
 * command involved (its name, or null), and the readable text. Kind and command group failures
 * so that a test run reports each kind once and shrinking keeps the failure it started from.
 */
public record Problem(String kind, String command, String text) {
    /** "no reply on CLIENT REPLY": the group this problem belongs to. */
    public String signature() {
        return kind + (command == null ? "" : " on " + command);
    }

    /** The command's name as a reader knows it: "CLIENT REPLY", "EVAL". */
    static String nameOf(List<String> args) {
        if (args == null || args.isEmpty()) {
            return null;
        }
        String n = Dialog.commandName(args);
        return n.replace('|', ' ').toUpperCase();
    }

    @Override
    public String toString() {
        return text;
    }
}
