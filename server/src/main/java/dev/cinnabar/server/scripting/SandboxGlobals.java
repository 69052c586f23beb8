package dev.cinnabar.server.scripting;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaValue;

/**
 * The script environment's global table. Once sealed it is read-only ("Attempt to modify a
 * readonly table"), and reading a global that does not exist is an error ("Script attempted to
 * access nonexistent global variable 'x'"), as in Redis 7.0. KEYS and ARGV are set by the engine
 * through {@link #setInternal}.
 */
final class SandboxGlobals extends Globals {
    private boolean sealed;

    void seal() {
        sealed = true;
    }

    void setInternal(String name, LuaValue v) {
        super.rawset(LuaValue.valueOf(name), v);
    }

    /** Assignment from Lua code (a new or changed global): an error with the script position. */
    @Override
    public void set(LuaValue key, LuaValue value) {
        if (sealed) {
            throw new LuaError("Attempt to modify a readonly table");
        }
        super.set(key, value);
    }

    /** rawset(_G, ...) from Lua: Redis raises this one without a position. */
    @Override
    public void rawset(LuaValue key, LuaValue value) {
        if (sealed) {
            throw ScriptEngine.readonlyRawset();
        }
        super.rawset(key, value);
    }

    @Override
    public LuaValue setmetatable(LuaValue metatable) {
        if (sealed) {
            throw ScriptEngine.readonlyRawset();
        }
        return super.setmetatable(metatable);
    }

    @Override
    public void rawset(int key, LuaValue value) {
        if (sealed) {
            throw ScriptEngine.readonlyRawset();
        }
        super.rawset(key, value);
    }
}
