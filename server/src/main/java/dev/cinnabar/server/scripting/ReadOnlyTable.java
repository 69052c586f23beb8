package dev.cinnabar.server.scripting;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/** A library table scripts may read but not change (Redis 7.0 protects its libraries). */
final class ReadOnlyTable extends LuaTable {
    private boolean sealed;

    static ReadOnlyTable copyOf(LuaTable src) {
        ReadOnlyTable t = new ReadOnlyTable();
        LuaValue k = LuaValue.NIL;
        while (true) {
            var n = src.next(k);
            if ((k = n.arg1()).isnil()) {
                break;
            }
            t.rawset(k, n.arg(2));
        }
        t.sealed = true;
        return t;
    }

    /** Assignment from Lua code: an error with the script position, as Redis's VM check. */
    @Override
    public void set(LuaValue key, LuaValue value) {
        if (sealed) {
            throw new LuaError("Attempt to modify a readonly table");
        }
        super.set(key, value);
    }

    /** rawset() from Lua: Redis raises this one without a position. */
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
