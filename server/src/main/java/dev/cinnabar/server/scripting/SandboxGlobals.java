package dev.cinnabar.server.scripting;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaValue;

/**
 * The script environment's global table. Once sealed it is read-only (see {@link Seal}); reading
 * a global that does not exist is an error ("Script attempted to access nonexistent global
 * variable 'x'") through the metatable the engine gives it, as in Redis 7.0. KEYS and ARGV are set
 * by the engine through {@link #setInternal}.
 */
final class SandboxGlobals extends Globals {
    private final Seal seal = new Seal();

    void seal() {
        seal.close();
    }

    void setInternal(String name, LuaValue v) {
        super.rawset(LuaValue.valueOf(name), v);
    }

    // The same guarded mutators as ReadOnlyTable's (Globals is a LuaTable of its own class).
    @Override
    public void set(LuaValue key, LuaValue value) {
        seal.checkAssign();
        super.set(key, value);
    }

    @Override
    public void rawset(LuaValue key, LuaValue value) {
        seal.checkRaw();
        super.rawset(key, value);
    }

    @Override
    public void rawset(int key, LuaValue value) {
        seal.checkRaw();
        super.rawset(key, value);
    }

    @Override
    public LuaValue setmetatable(LuaValue metatable) {
        seal.checkRaw();
        return super.setmetatable(metatable);
    }
}
