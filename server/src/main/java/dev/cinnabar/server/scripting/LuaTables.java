package dev.cinnabar.server.scripting;

import java.util.ArrayList;
import java.util.List;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/** Table iteration helpers shared by the conversions and libraries. */
final class LuaTables {
    private LuaTables() {
    }

    /** Every (key, value) pair of t, in next() order. */
    static List<LuaValue[]> pairs(LuaTable t) {
        List<LuaValue[]> out = new ArrayList<>();
        LuaValue k = LuaValue.NIL;
        while (true) {
            Varargs n = t.next(k);
            if ((k = n.arg1()).isnil()) {
                return out;
            }
            out.add(new LuaValue[] {k, n.arg(2)});
        }
    }
}
