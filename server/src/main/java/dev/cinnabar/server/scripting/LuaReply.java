package dev.cinnabar.server.scripting;

import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.util.Doubles;
import java.util.ArrayDeque;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/**
 * A reply sink that turns a command's reply into a Lua value, by Redis's conversion rules
 * (what {@code redis.call} returns):
 *
 * <p>RESP2: integer → number, bulk → string, null bulk/array → false, array → table,
 * status → {ok=...}, error → {err=...}. RESP3 (after {@code redis.setresp(3)}): additionally
 * null → nil, map → {map={...}}, set → {set={...}}, double → {double=n}, boolean → boolean,
 * verbatim → {verbatim_string={format=..., string=...}}, big number → {big_number="digits"}.
 */
final class LuaReply implements Reply {
    private static final LuaString OK = LuaString.valueOf("ok");
    private static final LuaString ERR = LuaString.valueOf("err");

    /** An aggregate being filled. */
    private static final class Frame {
        final LuaTable table = new LuaTable();
        final char kind; // '*' array, '%' map, '~' set
        int remaining; // elements (map: keys + values) still expected; -1 = deferred
        int index; // next array index (1-based)
        LuaValue pendingKey;

        Frame(char kind, int remaining) {
            this.kind = kind;
            this.remaining = remaining;
        }
    }

    private final int protocol;
    private final ArrayDeque<Frame> stack = new ArrayDeque<>();
    private LuaValue result = LuaValue.NIL;
    private boolean complete;
    private long errors;
    private String lastError;

    LuaReply(int protocol) {
        this.protocol = protocol;
    }

    @Override
    public long mark() {
        return stack.isEmpty() && !complete ? 0 : -1;
    }

    @Override
    public boolean resetTo(long mark) {
        if (mark != 0) {
            return false;
        }
        stack.clear();
        result = LuaValue.NIL;
        complete = false;
        return true;
    }

    /** The converted reply (valid once the command has written it). */
    LuaValue result() {
        return result;
    }

    boolean isError() {
        return result.istable() && !result.get(ERR).isnil();
    }

    @Override
    public int protocol() {
        return protocol;
    }

    private void value(LuaValue v) {
        Frame f = stack.peek();
        if (f == null) {
            result = v;
            complete = true;
            return;
        }
        switch (f.kind) {
            case '%' -> {
                if (f.pendingKey == null) {
                    f.pendingKey = v;
                } else {
                    f.table.set(f.pendingKey, v);
                    f.pendingKey = null;
                }
            }
            case '~' -> f.table.set(v, LuaValue.TRUE);
            default -> f.table.set(++f.index, v);
        }
        if (f.remaining > 0 && --f.remaining == 0) {
            close();
        }
    }

    private void close() {
        Frame f = stack.pop();
        LuaValue v;
        if (f.kind == '%') {
            v = LuaValue.tableOf(new LuaValue[] {LuaValue.valueOf("map"), f.table});
        } else if (f.kind == '~') {
            v = LuaValue.tableOf(new LuaValue[] {LuaValue.valueOf("set"), f.table});
        } else {
            v = f.table;
        }
        value(v);
    }

    private void open(char kind, int n) {
        if (n == 0) {
            stack.push(new Frame(kind, -1));
            close();
            return;
        }
        stack.push(new Frame(kind, n));
    }

    @Override
    public void simple(String s) {
        value(LuaValue.tableOf(new LuaValue[] {OK, LuaValue.valueOf(s)}));
    }

    @Override
    public void error(String msg) {
        errors++;
        lastError = msg;
        value(ScriptEngine.countedError(msg));
    }

    @Override
    public long errorCount() {
        return errors;
    }

    @Override
    public String lastError() {
        return lastError;
    }

    @Override
    public void integer(long v) {
        value(LuaValue.valueOf((double) v));
    }

    @Override
    public void bulk(byte[] b) {
        value(LuaString.valueOf(b));
    }

    @Override
    public void bulk(byte[] b, int off, int len) {
        byte[] c = new byte[len];
        System.arraycopy(b, off, c, 0, len);
        value(LuaString.valueOf(c));
    }

    @Override
    public void bulk(String s) {
        value(LuaValue.valueOf(s));
    }

    @Override
    public void nullBulk() {
        value(protocol == 3 ? LuaValue.NIL : LuaValue.FALSE);
    }

    @Override
    public void nullArray() {
        value(protocol == 3 ? LuaValue.NIL : LuaValue.FALSE);
    }

    @Override
    public void array(int n) {
        open('*', n);
    }

    @Override
    public void map(int n) {
        if (protocol == 3) {
            open('%', 2 * n);
        } else {
            open('*', 2 * n);
        }
    }

    @Override
    public void set(int n) {
        open(protocol == 3 ? '~' : '*', n);
    }

    @Override
    public void push(int n) {
        open('*', n);
    }

    @Override
    public void dbl(double d) {
        if (protocol == 3) {
            value(LuaValue.tableOf(new LuaValue[] {LuaValue.valueOf("double"), LuaValue.valueOf(d)}));
        } else {
            value(LuaValue.valueOf(Doubles.fmt17g(d)));
        }
    }

    @Override
    public void bool(boolean b) {
        if (protocol == 3) {
            value(LuaValue.valueOf(b));
        } else {
            value(LuaValue.valueOf(b ? 1 : 0));
        }
    }

    @Override
    public void bigNumber(String digits) {
        if (protocol == 3) {
            value(LuaValue.tableOf(new LuaValue[] {LuaValue.valueOf("big_number"), LuaValue.valueOf(digits)}));
        } else {
            value(LuaValue.valueOf(digits));
        }
    }

    @Override
    public void verbatim(String format, String text) {
        if (protocol == 3) {
            LuaTable t = LuaValue.tableOf(new LuaValue[] {LuaValue.valueOf("format"), LuaValue.valueOf(format),
                LuaValue.valueOf("string"), LuaValue.valueOf(text)});
            value(LuaValue.tableOf(new LuaValue[] {LuaValue.valueOf("verbatim_string"), t}));
        } else {
            value(LuaValue.valueOf(text));
        }
    }

    @Override
    public Object deferredArray() {
        Frame f = new Frame('*', -1);
        stack.push(f);
        return f;
    }

    @Override
    public Object deferredMap() {
        Frame f = new Frame(protocol == 3 ? '%' : '*', -1);
        stack.push(f);
        return f;
    }

    @Override
    public void finishDeferred(Object handle, int n) {
        if (stack.peek() == handle) {
            close();
        }
    }
}
