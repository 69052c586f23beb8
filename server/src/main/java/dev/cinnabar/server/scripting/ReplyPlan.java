package dev.cinnabar.server.scripting;

import dev.cinnabar.server.protocol.Reply;
import java.util.ArrayDeque;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * Converts a script's return value to a reply by Redis's rules (string → bulk, number → integer,
 * {err=}, {ok=}, {double=}, {big_number=}, {map=}, {set=}, {verbatim_string={format=, string=}},
 * array up to the first nil, anything else → null), in
 * two passes over the same walk: the first only measures, the second writes. Everything that can
 * refuse a reply (its size) is known before a byte of it is written, so a refused reply is one
 * error and never an error in the middle of a half-written array.
 *
 * <p>The walk is iterative, so nesting costs no Java stack. It follows how Redis 7.0 uses the Lua
 * C stack while converting: the returned value sits at slot 2, an array element one slot above
 * its table, a set member three above, a map value three and a map key four; a value whose
 * conversion would need slots past {@link ScriptLimits#LUA_STACK} becomes the error element
 * "reached lua stack limit" in place, so every array keeps the length it announced. (Arrays nest
 * 7,995 deep, maps 2,665, before that happens, as in Redis.)
 *
 * <p>Tables are read raw (no metamethod runs), so both passes see the same values.
 */
final class ReplyPlan {
    private static final int TOP_SLOT = 2;
    private static final int SLOTS_NEEDED = 4;
    private static final String STACK_LIMIT = "ERR reached lua stack limit";
    private static final LuaString ERR = LuaString.valueOf("err");
    private static final LuaString OK = LuaString.valueOf("ok");
    private static final LuaString DOUBLE = LuaString.valueOf("double");
    private static final LuaString MAP = LuaString.valueOf("map");
    private static final LuaString SET = LuaString.valueOf("set");
    private static final LuaString BIG_NUMBER = LuaString.valueOf("big_number");
    private static final LuaString VERBATIM = LuaString.valueOf("verbatim_string");
    private static final LuaString FORMAT = LuaString.valueOf("format");
    private static final LuaString STRING = LuaString.valueOf("string");
    /** Bytes counted for a reply element besides a bulk string's own bytes (its header). */
    private static final int ELEMENT_BYTES = 16;

    private ReplyPlan() {
    }

    /** Thrown by the measuring pass when the reply would be larger than the limit. */
    static final class TooLarge extends RuntimeException {
        TooLarge() {
            super(null, null, false, false);
        }
    }

    /** The first pass: throws TooLarge if the reply to v would be larger than maxBytes. */
    static void measure(LuaValue v, int resp, long maxBytes) {
        walk(v, new Measure(maxBytes), resp);
    }

    /**
     * The second pass: writes the reply to v; resp is the script's protocol (redis.setresp), which
     * decides how booleans convert.
     */
    static void write(LuaValue v, Reply out, int resp) {
        walk(v, new Write(out), resp);
    }

    /** What a walk produces: a reply, or its size. */
    private interface Sink {
        void bulk(LuaString s);

        void integer(long v);

        void bool(boolean b, int resp);

        void nullBulk();

        void error(String msg);

        /** An error already in errorstats (see Reply#errorCounted). */
        default void errorCounted(String msg) {
            error(msg);
        }

        void simple(String s);

        void dbl(double d);

        void bigNumber(String digits);

        void verbatim(String format, String text);

        void array(int n);

        void map(int n);

        void set(int n);
    }

    /** A table being converted and where its conversion is. */
    private static final class Frame {
        final LuaTable table;
        final char kind; // '*' array, '%' map, '~' set
        final int slot;
        final int length; // arrays: elements to write
        int index; // arrays: elements written
        LuaValue key = LuaValue.NIL; // maps and sets: the last key read
        LuaValue pendingValue; // maps: the value whose key was just written

        Frame(LuaTable table, char kind, int slot, int length) {
            this.table = table;
            this.kind = kind;
            this.slot = slot;
            this.length = length;
        }
    }

    private static void walk(LuaValue root, Sink out, int resp) {
        if (root.type() != LuaValue.TTABLE) {
            value(root, TOP_SLOT, out, resp, null); // the common case: no table, no stack
            return;
        }
        ArrayDeque<Frame> stack = new ArrayDeque<>();
        value(root, TOP_SLOT, out, resp, stack);
        while (!stack.isEmpty()) {
            Frame f = stack.peek();
            switch (f.kind) {
                case '*' -> {
                    if (f.index == f.length) {
                        stack.pop();
                    } else {
                        value(f.table.rawget(++f.index), f.slot + 1, out, resp, stack);
                    }
                }
                case '%' -> {
                    if (f.pendingValue != null) {
                        LuaValue v = f.pendingValue;
                        f.pendingValue = null;
                        value(v, f.slot + 3, out, resp, stack);
                    } else {
                        Varargs next = f.table.next(f.key);
                        f.key = next.arg1();
                        if (f.key.isnil()) {
                            stack.pop();
                        } else {
                            f.pendingValue = next.arg(2);
                            value(f.key, f.slot + 4, out, resp, stack);
                        }
                    }
                }
                default -> {
                    Varargs next = f.table.next(f.key);
                    f.key = next.arg1();
                    if (f.key.isnil()) {
                        stack.pop();
                    } else {
                        value(f.key, f.slot + 3, out, resp, stack);
                    }
                }
            }
        }
    }

    /** Writes a scalar, or the header of a table and pushes its frame. */
    private static void value(LuaValue v, int slot, Sink out, int resp, ArrayDeque<Frame> stack) {
        if (slot + SLOTS_NEEDED > ScriptLimits.LUA_STACK) {
            out.error(STACK_LIMIT);
            return;
        }
        switch (v.type()) {
            case LuaValue.TSTRING -> out.bulk(v.checkstring());
            case LuaValue.TNUMBER -> out.integer(LuaFormat.toLong(v.todouble())); // as x86-64 casts
            case LuaValue.TBOOLEAN -> out.bool(v.toboolean(), resp);
            case LuaValue.TTABLE -> table((LuaTable) v, slot, out, stack);
            default -> out.nullBulk();
        }
    }

    private static void table(LuaTable t, int slot, Sink out, ArrayDeque<Frame> stack) {
        LuaValue err = t.rawget(ERR);
        if (err.type() == LuaValue.TSTRING) {
            if (ScriptEngine.isCounted(t)) {
                out.errorCounted(err.tojstring());
            } else {
                out.error(err.tojstring());
            }
            return;
        }
        LuaValue ok = t.rawget(OK);
        if (ok.type() == LuaValue.TSTRING) {
            out.simple(ok.tojstring().replace('\r', ' ').replace('\n', ' '));
            return;
        }
        LuaValue dbl = t.rawget(DOUBLE);
        if (dbl.type() == LuaValue.TNUMBER) {
            out.dbl(dbl.todouble());
            return;
        }
        LuaValue big = t.rawget(BIG_NUMBER);
        if (big.type() == LuaValue.TSTRING) {
            out.bigNumber(big.tojstring().replace('\r', ' ').replace('\n', ' '));
            return;
        }
        LuaValue map = t.rawget(MAP);
        if (map.istable()) {
            LuaTable m = (LuaTable) map;
            out.map(count(m));
            stack.push(new Frame(m, '%', slot, 0));
            return;
        }
        LuaValue set = t.rawget(SET);
        if (set.istable()) {
            LuaTable s = (LuaTable) set;
            out.set(count(s));
            stack.push(new Frame(s, '~', slot, 0));
            return;
        }
        LuaValue verbatim = t.rawget(VERBATIM);
        if (verbatim.istable()) {
            LuaValue format = verbatim.rawget(FORMAT);
            LuaValue text = verbatim.rawget(STRING);
            if (format.type() == LuaValue.TSTRING && text.type() == LuaValue.TSTRING
                    && format.checkstring().m_length == 3) {
                out.verbatim(format.tojstring(), text.tojstring());
                return;
            }
        }
        int n = 0;
        while (!t.rawget(n + 1).isnil()) {
            n++;
        }
        out.array(n);
        stack.push(new Frame(t, '*', slot, n));
    }

    private static int count(LuaTable t) {
        int n = 0;
        LuaValue k = LuaValue.NIL;
        while (!(k = t.next(k).arg1()).isnil()) {
            n++;
        }
        return n;
    }

    /** Adds up the reply's size; throws TooLarge past the limit. */
    private static final class Measure implements Sink {
        private final long max;
        private long bytes;

        Measure(long max) {
            this.max = max;
        }

        private void add(long n) {
            bytes += n;
            if (bytes > max) {
                throw new TooLarge();
            }
        }

        @Override
        public void bulk(LuaString s) {
            add(ELEMENT_BYTES + s.m_length);
        }

        @Override
        public void integer(long v) {
            add(ELEMENT_BYTES);
        }

        @Override
        public void bool(boolean b, int resp) {
            add(ELEMENT_BYTES);
        }

        @Override
        public void nullBulk() {
            add(ELEMENT_BYTES);
        }

        @Override
        public void error(String msg) {
            add(ELEMENT_BYTES + msg.length());
        }

        @Override
        public void simple(String s) {
            add(ELEMENT_BYTES + s.length());
        }

        @Override
        public void dbl(double d) {
            add(2 * ELEMENT_BYTES);
        }

        @Override
        public void bigNumber(String digits) {
            add(ELEMENT_BYTES + digits.length());
        }

        @Override
        public void verbatim(String format, String text) {
            add(ELEMENT_BYTES + format.length() + text.length());
        }

        @Override
        public void array(int n) {
            add(ELEMENT_BYTES);
        }

        @Override
        public void map(int n) {
            add(ELEMENT_BYTES);
        }

        @Override
        public void set(int n) {
            add(ELEMENT_BYTES);
        }
    }

    /** Writes the reply. */
    private record Write(Reply out) implements Sink {
        @Override
        public void bulk(LuaString s) {
            out.bulk(s.m_bytes, s.m_offset, s.m_length);
        }

        @Override
        public void integer(long v) {
            out.integer(v);
        }

        @Override
        public void bool(boolean b, int resp) {
            if (resp == 3) {
                out.bool(b);
            } else if (b) {
                out.integer(1);
            } else {
                out.nullBulk();
            }
        }

        @Override
        public void nullBulk() {
            out.nullBulk();
        }

        @Override
        public void error(String msg) {
            out.error(msg);
        }

        @Override
        public void errorCounted(String msg) {
            out.errorCounted(msg);
        }

        @Override
        public void simple(String s) {
            out.simple(s);
        }

        @Override
        public void dbl(double d) {
            out.dbl(d);
        }

        @Override
        public void bigNumber(String digits) {
            out.bigNumber(digits);
        }

        @Override
        public void verbatim(String format, String text) {
            out.verbatim(format, text);
        }

        @Override
        public void array(int n) {
            out.array(n);
        }

        @Override
        public void map(int n) {
            out.map(n);
        }

        @Override
        public void set(int n) {
            out.set(n);
        }
    }
}
