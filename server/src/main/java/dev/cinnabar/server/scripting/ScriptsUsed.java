package dev.cinnabar.server.scripting;

import dev.cinnabar.server.ServerContext;

/**
 * Whether a server has created a Lua engine (EVAL's or the Functions'), answerable without naming
 * {@link ScriptEngine}: even loading that class (a class literal, a method reference, one of its
 * static methods) brings LuaJ's classes in when it is linked, which every start, first command,
 * memory cron and SHUTDOWN of a server that never runs a script would otherwise pay (LuaJ's old
 * class files cannot be archived for class-data sharing, so they are parsed and verified each
 * time). Callers check {@link #any} before asking for an engine.
 */
public final class ScriptsUsed {
    private static final ScriptsUsed MARK = new ScriptsUsed();

    private ScriptsUsed() {
    }

    /** Recorded by every engine's constructor. */
    static void mark(ServerContext server) {
        server.featureIfAbsent(ScriptsUsed.class, MARK);
    }

    /** True once the server has created a Lua engine. */
    public static boolean any(ServerContext server) {
        return server.featureIfCreated(ScriptsUsed.class) != null;
    }
}
