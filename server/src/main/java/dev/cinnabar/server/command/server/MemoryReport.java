package dev.cinnabar.server.command.server;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.scripting.FunctionRegistry;
import dev.cinnabar.server.scripting.ScriptEngine;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Dict;

/**
 * The memory figures INFO memory and MEMORY STATS / DOCTOR share, taken at one instant. A JVM has
 * no malloc to ask: "allocated" is the heap in use (garbage not yet collected included), "active"
 * the committed heap and "resident" the process's RSS. Overheads that Redis attributes to its own
 * structures are estimated from ours: the dictionaries' tables and entries, client output buffers,
 * script and function source bodies.
 */
record MemoryReport(long used, long peak, long startup, long committed, long rss, long clientsNormal,
                    long luaCaches, int cachedScripts, long functionsCaches, int functions, int libraries,
                    long[][] dbOverheads, long keys) {

    /** Per database with keys: {id, main dict overhead, expires dict overhead}. */
    static MemoryReport take(ServerContext s) {
        InfoCommand.State st = InfoCommand.state(s);
        long used = InfoCommand.heapUsed();
        st.peakMemory = Math.max(st.peakMemory, used);
        long clients = 0;
        for (Client c : s.clients().all()) {
            if (c.connection() != null) {
                clients += c.connection().pendingOutputBytes();
            }
        }
        long lua = 0;
        int scripts = 0;
        ScriptEngine eng = ScriptEngine.ifCreated(s);
        if (eng != null) {
            scripts = eng.size();
            lua = eng.bodyBytes() + 64L * scripts;
        }
        long fn = 0;
        int functions = 0;
        int libraries = 0;
        FunctionRegistry reg = FunctionRegistry.ifCreated(s);
        if (reg != null) {
            functions = reg.functionCount();
            for (FunctionRegistry.Library lib : reg.libraries()) {
                libraries++;
                fn += 64 + 2L * lib.code().length() + 64L * lib.functions().size();
            }
        }
        int n = 0;
        for (int i = 0; i < s.keyspace().count(); i++) {
            n += s.keyspace().db(i).size() > 0 ? 1 : 0;
        }
        long[][] dbs = new long[n][];
        long keys = 0;
        int k = 0;
        for (int i = 0; i < s.keyspace().count(); i++) {
            Db db = s.keyspace().db(i);
            if (db.size() > 0) {
                dbs[k++] = new long[] {i, dictOverhead(db.dict()), dictOverhead(db.expiresDict())};
                keys += db.size();
            }
        }
        return new MemoryReport(used, st.peakMemory, st.startupMemory, Runtime.getRuntime().totalMemory(),
                InfoCommand.rss(), clients, lua, scripts, fn, functions, libraries, dbs, keys);
    }

    /** A dict's bucket array (4-byte references) and its 32-byte entries, as Redis counts dictEntry and buckets. */
    static long dictOverhead(Dict d) {
        return 4L * d.buckets() + 32L * d.size();
    }

    long overhead() {
        long o = startup + clientsNormal + luaCaches + functionsCaches;
        for (long[] db : dbOverheads) {
            o += db[1] + db[2];
        }
        return o;
    }

    long dataset() {
        return Math.max(0, used - overhead());
    }

    /** Used memory above start-up: what the dataset and overheads added. */
    long netUsage() {
        return Math.max(0, used - startup);
    }

    double datasetPercentage() {
        return netUsage() == 0 ? 0 : dataset() * 100.0 / netUsage();
    }

    double peakPercentage() {
        return peak == 0 ? 0 : used * 100.0 / peak;
    }
}
