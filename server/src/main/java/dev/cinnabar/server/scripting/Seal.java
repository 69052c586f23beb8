package dev.cinnabar.server.scripting;

import org.luaj.vm2.LuaError;

/**
 * What a sealed Lua table ({@link ReadOnlyTable}, {@link SandboxGlobals}) does when a script
 * tries to change it, as Redis 7.0's read-only tables do: an assignment from Lua code fails with
 * "Attempt to modify a readonly table" and the script position; rawset() and setmetatable() fail
 * with the ERR table Redis raises, without a position. Open until {@link #close} is called, so the
 * engine can fill the table first.
 */
final class Seal {
    private boolean closed;

    void close() {
        closed = true;
    }

    /** Before an assignment from Lua code. */
    void checkAssign() {
        if (closed) {
            throw new LuaError("Attempt to modify a readonly table");
        }
    }

    /** Before rawset() or setmetatable(). */
    void checkRaw() {
        if (closed) {
            throw ScriptEngine.readonlyRawset();
        }
    }
}
