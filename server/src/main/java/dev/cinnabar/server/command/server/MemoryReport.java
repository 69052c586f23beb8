package dev.cinnabar.server.command.server;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.memory.UsedMemory;
import dev.cinnabar.server.scripting.FunctionRegistry;
import dev.cinnabar.server.scripting.ScriptEngine;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Dict;

/**
 * The memory figures INFO memory and MEMORY STATS / DOCTOR share, taken at one instant. used_memory
 * and its parts come from the memory accounting ({@link UsedMemory}: the dataset's estimate kept
 * through the store's write barrier, client buffers, script caches); the allocator figures are the
 * JVM's: "allocated" the heap in use (garbage not yet collected included), "active" the committed
 * heap, "resident" the process's RSS.
 */
record MemoryReport(long used, long peak, long startup, long heap, long committed, long rss, long clientsNormal,
                    long clientsReplicas, long luaCaches, int cachedScripts, long functionsCaches, int functions,
                    int libraries, long[][] dbOverheads, long keys, long overhead) {

    /** Per database with keys: {id, main dict overhead, expires dict overhead}. */
    static MemoryReport take(ServerContext s) {
        UsedMemory m = UsedMemory.of(s);
        long used = m.usedNow();
        // ScriptsUsed first: naming ScriptEngine brings LuaJ in, in a server that never ran a script
        boolean scriptsUsed = dev.cinnabar.server.scripting.ScriptsUsed.any(s);
        ScriptEngine eng = scriptsUsed ? ScriptEngine.ifCreated(s) : null;
        int scripts = eng == null ? 0 : eng.size();
        int functions = 0;
        int libraries = 0;
        FunctionRegistry reg = scriptsUsed ? FunctionRegistry.ifCreated(s) : null;
        if (reg != null) {
            functions = reg.functionCount();
            libraries = reg.libraries().size();
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
        return new MemoryReport(used, m.peak(), m.startup(), InfoCommand.heapUsed(), Runtime.getRuntime().totalMemory(),
                InfoCommand.rss(), m.clientsNormal(), m.clientsReplicas(), m.scriptsEval(), scripts,
                m.scriptsFunctions(), functions, libraries, dbs, keys, m.overhead());
    }

    /** A dict's bucket array (4-byte references) and its 32-byte entries, as Redis counts dictEntry and buckets. */
    static long dictOverhead(Dict d) {
        return 4L * d.buckets() + 32L * d.size();
    }

    long dataset() {
        return Math.max(0, used - overhead);
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
