package dev.cinnabar.server.scripting;

import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/** A library table scripts may read but not change (Redis 7.0 protects its libraries); see {@link Seal}. */
final class ReadOnlyTable extends LuaTable {
    private final Seal seal = new Seal();

    static ReadOnlyTable copyOf(LuaTable src) {
        return copyOf(src, null);
    }

    /** A read-only copy of src with the given metatable (none when null). */
    static ReadOnlyTable copyOf(LuaTable src, LuaTable meta) {
        ReadOnlyTable t = new ReadOnlyTable();
        if (meta != null) {
            t.setmetatable(meta);
        }
        LuaValue k = LuaValue.NIL;
        while (true) {
            var n = src.next(k);
            if ((k = n.arg1()).isnil()) {
                break;
            }
            t.rawset(k, n.arg(2));
        }
        t.seal.close();
        return t;
    }

    // LuaTable's mutators, each guarded by the seal (Java gives the two tables no common place for them).
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
