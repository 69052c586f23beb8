package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** EVAL and friends against real Redis 7.0 (named after Redis's tests/unit/scripting.tcl). */
class ScriptingTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);

    @Test
    void conversionsFromLuaToReplies() {
        d.both("EVAL", "return 1", "0");
        d.both("EVAL", "return 3.99", "0");
        d.both("EVAL", "return -3.99", "0");
        d.both("EVAL", "return 'hello'", "0");
        d.both("EVAL", "return true", "0");
        d.both("EVAL", "return false", "0");
        d.both("EVAL", "return nil", "0");
        d.both("EVAL", "return {1,2,3,'ciao',{1,2}}", "0");
        d.both("EVAL", "return {1,2,3.7,nil,5}", "0");
        d.both("EVAL", "return {err='My Error'}", "0");
        d.both("EVAL", "return {ok='FINE'}", "0");
        d.both("EVAL", "return redis.error_reply('my err')", "0");
        d.both("EVAL", "return redis.error_reply('-X custom')", "0");
        d.both("EVAL", "return redis.status_reply('FINE')", "0");
        d.both("EVAL", "return {KEYS[1],ARGV[1],#KEYS,#ARGV}", "1", "k", "a");
        d.both("EVAL", "return tostring(3.0)", "0");
        d.both("EVAL", "return tostring(0.1)", "0");
        d.both("EVAL", "return tostring(123456789012345)", "0");
        d.both("EVAL", "return tostring(1e15)", "0");
        d.both("EVAL", "return 'x' .. 1/0", "0");
        d.both("EVAL", "return string.format('%d %s %5.2f', 3, 'a', 1.5)", "0");
        d.both("EVAL", "return _VERSION", "0");
        d.both("EVAL", "return redis.REDIS_VERSION", "0");
        d.both("EVAL", "return redis.sha1hex('abc')", "0");
        d.both("EVAL", "return redis.sha1hex('')", "0");
    }

    @Test
    void conversionsFromRepliesToLua() {
        d.both("SET", "s", "abc");
        d.both("EVAL", "return redis.call('get', 's')", "0");
        d.both("EVAL", "return redis.call('get', 'nokey')", "0");
        d.both("EVAL", "return type(redis.call('get', 'nokey'))", "0");
        d.both("EVAL", "return redis.call('incr', 'n')", "0");
        d.both("EVAL", "return redis.call('set', 'x', 'y')", "0");
        d.both("EVAL", "return type(redis.call('set', 'x', 'y'))", "0");
        d.both("EVAL", "return redis.call('set', 'x', 'y')['ok']", "0");
        d.both("EVAL", "return redis.call('ping')", "0");
        d.both("EVAL", "return redis.call('set','n', 1234567890123456789)", "0");
        d.both("GET", "n");
        d.both("EVAL", "return redis.call('set','f', 1.5)", "0");
        d.both("GET", "f");
        d.both("EVAL", "return redis.pcall('incr','s')", "0");
        d.both("EVAL", "return redis.pcall('incr','k1', 'x')", "0");
        d.both("EVAL", "local r = redis.pcall('incr','s'); return r['err']", "0");
    }

    @Test
    void sortOfASetWithoutOrderIsSortedForScripts() {
        d.both("SADD", "s", "c", "a", "b", "3", "1", "2", "10");
        d.both("EVAL", "return redis.call('sort','s','by','nosort')", "0");
        d.both("EVAL", "return redis.call('sort','s','by','nosort','desc')", "0");
        d.both("EVAL", "return redis.call('sort','s','by','nosort','limit','1','3')", "0");
    }

    @Test
    void streamReadsCannotBlockInScripts() {
        d.both("EVAL", "return redis.pcall('xread','BLOCK',0,'STREAMS','s','$')", "1", "s");
        d.both("EVAL", "return redis.pcall('xreadgroup','group','g','c','BLOCK',0,'STREAMS','s','>')", "1", "s");
        d.both("EVAL", "return redis.pcall('xread','BLOCK','abc','STREAMS','s')", "1", "s");
        d.both("EVAL", "return redis.pcall('xread','COUNT','1','STREAMS','s','0')", "1", "s");
    }

    /** errorstats and each command's calls / rejected / failed counts (not the timings). */
    private static String errorStats(dev.cinnabar.testkit.RespClient c) {
        String info = ((Resp.Bulk) c.call("INFO", "errorstats")).text()
                + ((Resp.Bulk) c.call("INFO", "commandstats")).text();
        java.util.TreeSet<String> sb = new java.util.TreeSet<>(); // commandstats come in hash order in Redis
        for (String line : info.split("\r\n")) {
            if (line.startsWith("errorstat_")) {
                sb.add(line);
            } else if (line.startsWith("cmdstat_") && !line.startsWith("cmdstat_info:")) {
                sb.add(line.substring(0, line.indexOf(':')) + line.replaceAll(".*(,rejected_calls=\\d+,failed_calls=\\d+)", "$1")
                        + line.replaceAll(".*(calls=\\d+),usec=.*", " $1"));
            }
        }
        return String.join("\n", sb);
    }

    @Test
    void scriptErrorsAreCountedOnceWhereTheyArise() {
        d.both("SET", "s", "abc");
        String[][] scripts = {
            {"return redis.call('incr','s')"}, {"return redis.pcall('incr','s')"},
            {"local t = redis.pcall('incr','s'); return t['ignore_error_stats_update']"},
            {"return redis.pcall('nosuchcmd')"}, {"return redis.call('get')"}, {"return redis.pcall('get')"},
            {"return {err='My Error'}"}, {"error('x')"}, {"return redis.error_reply('FOO bar')"},
            {"return {1, redis.pcall('incr','s')}"}, {"return redis.call()"},
        };
        for (String[] script : scripts) {
            d.both("CONFIG", "RESETSTAT");
            d.both("EVAL", script[0], "0");
            assertThat(errorStats(d.ours)).as("stats after %s", script[0]).isEqualTo(errorStats(d.real));
        }
    }

    @Test
    void errorsAsRedisFormatsThem() {
        d.both("SET", "s", "abc");
        d.both("EVAL", "return redis.call('incr','s')", "0");
        d.both("EVAL", "return redis.call()", "0");
        d.both("EVAL", "return redis.call(1)", "0");
        d.both("EVAL", "return redis.call('nosuch')", "0");
        d.both("EVAL", "return redis.call('get')", "0");
        d.both("EVAL", "return redis.call('set', 'a', {})", "0");
        d.both("EVAL", "error('boom')", "0");
        d.both("EVAL", "error({err='X boom'})", "0");
        d.both("EVAL", "\n\nerror('third line')", "0");
        d.both("EVAL", "x = 5", "0");
        d.both("EVAL", "return y", "0");
        d.both("EVAL", "foo()", "0");
        d.both("EVAL", "return print", "0");
        d.both("EVAL", "return os.time()", "0");
        d.both("EVAL", "return loadfile", "0");
        d.both("EVAL", "string.x = 1", "0");
        d.both("EVAL", "redis.setresp(4)", "0");
        d.both("EVAL", "return 1", "-1");
        d.both("EVAL", "return 1", "2", "a");
        d.both("EVAL", "return 1", "abc");
        d.both("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0");
        d.both("EVALSHA", "fff", "0");
    }

    @Test
    void readOnlyScriptsAndShebangFlags() {
        d.both("EVAL_RO", "return redis.call('get','a')", "0");
        d.both("EVAL_RO", "return redis.call('set','a','b')", "0");
        d.both("EVAL", "#!lua flags=no-writes\nreturn redis.call('set','a','b')", "0");
        d.both("EVAL", "#!lua flags=bogus\nreturn 1", "0");
        d.both("EVAL", "#!python\nreturn 1", "0");
        d.both("EVAL", "#!lua\nreturn 1", "0");
        d.both("EVAL_RO", "#!lua\nreturn 1", "0");
        d.both("EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0");
        d.both("SCRIPT", "LOAD", "#!lua\nreturn 2");
        d.both("EVALSHA_RO", "327e60b78547ebb77ec450ead371d5bd10cbdd69", "0"); // the SHA1 of the script above
        d.both("EVAL", "#!lua\nerror('x')", "0");
        d.both("EVAL", "return redis.call('watch','x')", "0");
        d.both("EVAL", "return redis.call('multi')", "0");
        d.both("EVAL", "return redis.call('eval','return 1','0')", "0");
    }

    @Test
    void scriptCache() {
        d.both("SCRIPT", "LOAD", "return 1");
        d.both("SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "ffff");
        d.both("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0");
        d.both("EVALSHA", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0");
        d.both("SCRIPT", "FLUSH");
        d.both("SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
        d.both("SCRIPT", "FLUSH", "bogus");
        d.both("SCRIPT", "FLUSH", "ASYNC");
        d.both("SCRIPT", "KILL");
        d.both("SCRIPT", "EXISTS");
        d.both("SCRIPT", "LOAD", "return +");
    }

    @Test
    void libraries() {
        d.both("EVAL", "return cjson.encode({1,2,{a=1}})", "0");
        d.both("EVAL", "return cjson.encode({})", "0");
        d.both("EVAL", "return cjson.encode('a/b\"c')", "0");
        d.both("EVAL", "return cjson.encode(0.1)", "0");
        d.both("EVAL", "return cjson.encode({1,nil,3})", "0");
        d.both("EVAL", "return cjson.decode('[1,2,{\"a\":null}]')[3].a == cjson.null", "0");
        d.both("EVAL", "local t = cjson.decode('{\"x\":[1,2.5,\"s\"],\"y\":true}') return {t.x[1], t.x[3], tostring(t.y)}", "0");
        d.both("EVAL", "return cjson.decode('[1,')", "0");
        d.both("EVAL", "return bit.band(0xff, 0x0f)", "0");
        d.both("EVAL", "return bit.tohex(65535)", "0");
        d.both("EVAL", "return bit.tohex(-1, -4)", "0");
        d.both("EVAL", "return bit.bnot(0)", "0");
        d.both("EVAL", "return bit.lshift(1, 40)", "0");
        d.both("EVAL", "return bit.rshift(-1, 28)", "0");
        d.both("EVAL", "return bit.arshift(-256, 4)", "0");
        d.both("EVAL", "return bit.bswap(0x12345678)", "0");
        d.both("EVAL", "return bit.tobit(2^32 + 5)", "0");
        d.both("EVAL", "return struct.pack('>I2', 258)", "0");
        d.both("EVAL", "return struct.pack('<i4 b s', -2, 7, 'hi')", "0");
        d.both("EVAL", "return {struct.unpack('>I2 c3', struct.pack('>I2 c3', 513, 'abc'))}", "0");
        d.both("EVAL", "return struct.size('>I2 d i')", "0");
        d.both("EVAL", "return cmsgpack.pack({1,2,3}, 'x', -5, 300, 70000, 1.5, true)", "0");
        d.both("EVAL", "return {cmsgpack.unpack(cmsgpack.pack(1, 'two', {3}, -129))}", "0");
        d.both("EVAL", "local t = cmsgpack.unpack(cmsgpack.pack({a=1})) return t.a", "0");
        d.both("EVAL", "return table.getn({1,2,3})", "0");
        d.both("EVAL", "return unpack({1,2,3})", "0");
        d.both("EVAL", "return {unpack({1,2,3})}", "0");
        d.both("EVAL", "local f = loadstring('return 7') return f()", "0");
        d.both("EVAL", "return math.mod(7, 3)", "0");
        d.both("EVAL", "return math.log10(1000)", "0");
        d.both("EVAL", "return {math.frexp(8)}", "0");
        d.both("EVAL", "local s = '' for w in string.gfind('a b c', '%a') do s = s .. w end return s", "0");
        d.both("EVAL", "return type(coroutine.create(function() end))", "0");
    }

    @Test
    void knownSandboxEscapesFail() {
        d.both("EVAL", "return loadstring(string.dump(function() return 1 end))()", "0");
        d.both("EVAL", "local mt = getmetatable(''); mt.__index.upper = function() return 'pwned' end; return string.upper('a')", "0");
        d.both("EVAL", "return ('a'):upper()", "0");
        d.both("EVAL", "setmetatable(_G, nil); x = 1; return x", "0");
        d.both("EVAL", "rawset(_G, 'x', 1) return 1", "0");
        d.both("EVAL", "return rawget(_G, 'nonexist')", "0");
        d.both("EVAL", "string.upper = nil", "0");
        d.both("EVAL", "return string.upper('still')", "0");
        d.both("EVAL", "local f = loadstring('return 1'); return f()", "0");
    }

    @Test
    void writesAreVisibleAndSelectIsLocalToTheScript() {
        d.both("EVAL", "redis.call('select', 3); redis.call('set', 'in3', 'v'); return redis.call('dbsize')", "0");
        d.both("DBSIZE");
        d.both("SELECT", "3");
        d.both("GET", "in3");
    }

    @Test
    void resp3FromScripts() {
        d.both("ZADD", "z", "1.5", "m", "2", "n");
        d.both("EVAL", "redis.setresp(3); return redis.call('zscore', 'z', 'm')", "0");
        d.both("EVAL", "redis.setresp(3); return redis.call('zrange', 'z', 0, -1, 'withscores')", "0");
        d.both("EVAL", "redis.setresp(3); local r = redis.call('zscore', 'z', 'm') return type(r)", "0");
        d.both("EVAL", "redis.setresp(3); return redis.call('config', 'get', 'maxmemory')", "0");
        d.both("EVAL", "redis.setresp(3); return redis.call('get', 'nokey')", "0");
        d.both("EVAL", "redis.setresp(3); return {double=3.5}", "0");
        d.both("EVAL", "return true", "0");
        d.both("EVAL", "return {map={a=1}}", "0");
    }

    @Test
    void atomicStockDeductionNeverOversells() throws Exception {
        String script = "local s = tonumber(redis.call('get', KEYS[1])) "
                + "if s == nil then return -2 end if s < tonumber(ARGV[1]) then return -1 end "
                + "return redis.call('decrby', KEYS[1], ARGV[1])";
        d.ours.call("SET", "stock", "100");
        java.util.concurrent.atomic.AtomicInteger sold = new java.util.concurrent.atomic.AtomicInteger();
        Thread[] buyers = new Thread[50];
        for (int i = 0; i < buyers.length; i++) {
            buyers[i] = new Thread(() -> {
                try (var c = server.client()) {
                    for (int j = 0; j < 5; j++) {
                        Resp r = c.call("EVAL", script, "1", "stock", "1");
                        if (r instanceof Resp.Int n && n.value() >= 0) {
                            sold.incrementAndGet();
                        }
                    }
                }
            });
            buyers[i].start();
        }
        for (Thread t : buyers) {
            t.join();
        }
        assertThat(sold).hasValue(100);
        assertThat(d.ours.call("GET", "stock").asText()).isEqualTo("0");
    }

    @Test
    void cjsonSettingsLastUntilChangedAndShapeEncodingAndDecoding() {
        d.both("EVAL", "return {cjson.encode_invalid_numbers(), cjson.encode_keep_buffer(), cjson.encode_max_depth(),"
                + " cjson.decode_max_depth(), cjson.encode_number_precision(), cjson.decode_invalid_numbers()}", "0");
        d.both("EVAL", "return {cjson.encode_sparse_array()}", "0");
        d.both("EVAL", "return cjson.encode_max_depth(0)", "0");
        d.both("EVAL", "return cjson.encode_max_depth(1, 2)", "0");
        d.both("EVAL", "return cjson.encode_invalid_numbers('bogus')", "0");
        d.both("EVAL", "return cjson.encode_number_precision(15)", "0");
        d.both("EVAL", "return {tostring(cjson.encode_invalid_numbers('null')), tostring(cjson.encode_invalid_numbers('on'))}",
                "0");
        // the setting made by the last script is still there
        d.both("EVAL", "return cjson.encode({0/0, 1/0, -1/0, 0.0003, 1e20, 123456789012345678})", "0");
        d.both("EVAL", "cjson.encode_invalid_numbers('null') return cjson.encode({0/0})", "0");
        d.both("EVAL", "return tostring(cjson.encode_invalid_numbers(false))", "0");
        d.both("EVAL", "return cjson.encode({0/0})", "0");
        d.both("EVAL", "cjson.encode_number_precision(3) return cjson.encode({3.14159, 1234567})", "0");
        d.both("EVAL", "return cjson.encode_number_precision(14)", "0");
        d.both("EVAL", "return cjson.encode({[1]=1,[20]=2})", "0");
        d.both("EVAL", "cjson.encode_sparse_array(true) local s = cjson.encode({[1]=1,[20]=2})"
                + " cjson.encode_sparse_array(false) return s", "0");
        d.both("EVAL", "cjson.encode_max_depth(2) local ok, e = pcall(cjson.encode, {{{1}}}) cjson.encode_max_depth(1000)"
                + " return e", "0");
        d.both("EVAL", "cjson.decode_max_depth(1) local ok, e = pcall(cjson.decode, '[[1]]') cjson.decode_max_depth(1000)"
                + " return e", "0");
        for (String json : new String[] {"[NaN, 0x10, Infinity, -inf, +1, 01, 1e5, null, nan]", "[1.5e]", "[-]", "[0x]",
            "[.5]", "[5.]", "[1e+]", "[nul]", "[NAN]"}) {
            d.both("EVAL", "local ok, e = pcall(cjson.decode, ARGV[1]) if not ok then return e end"
                    + " cjson.encode_invalid_numbers(true) local s = cjson.encode(e) cjson.encode_invalid_numbers(false)"
                    + " return s", "0", json);
        }
        d.both("EVAL", "cjson.decode_invalid_numbers(false) local r = {} for _, j in ipairs({'[01]', '[0x1]', '[inf]',"
                + " '[-nan]', '[+1]', '[nan]'}) do local ok, e = pcall(cjson.decode, j) table.insert(r, tostring(e)) end"
                + " cjson.decode_invalid_numbers(true) return r", "0");
    }

    @Test
    void errorReplyGivesACodeWhenTheTextHasNone() {
        for (String text : new String[] {"", "-", "x", "-x", "x y", "-x y", " x", "My Error"}) {
            d.both("EVAL", "return redis.error_reply(ARGV[1])", "0", text);
        }
    }

    @Test
    void scriptDebugArmsTheNextEvalWhichRefusesForWantOfADebugger() {
        d.both("SCRIPT", "DEBUG", "bogus");
        d.both("SCRIPT", "DEBUG", "no");
        d.both("EVAL", "return 1", "0");
        d.both("SCRIPT", "DEBUG", "sync");
        d.both("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0");
        d.both("SCRIPT", "DEBUG", "no");
        d.both("EVAL", "return 1", "0");
        d.both("MULTI");
        d.both("SCRIPT", "DEBUG", "no");
        d.both("EXEC");
        // Redis would start a debugging session here; Cinnabar has no debugger and says so
        assertThat(d.ours.call("SCRIPT", "DEBUG", "YES")).isEqualTo(new Resp.Simple("OK"));
        assertThat(d.ours.call("SET", "k", "v")).isEqualTo(new Resp.Simple("OK"));
        assertThat(d.ours.call("EVAL", "redis.call('del', 'k') return 1", "0")).isEqualTo(new Resp.Err(
                "ERR Lua debugging (SCRIPT DEBUG, redis-cli --ldb) is not supported by Cinnabar: the script was not run. "
                        + "Run it without debugging."));
        assertThat(d.ours.call("GET", "k").asText()).isEqualTo("v");
        assertThat(d.ours.call("EVAL", "return 2", "0")).isEqualTo(new Resp.Int(2)); // one EVAL only
    }

    @Test
    void typeErrorsNameTheValueAtFaultAsLua51Does() {
        for (String script : new String[] {"redis.cal('x')", "local t = {} t.x.y = 1", "local x; x()", "local x; return x.y",
            "local a = {} return a.b.c", "local x; return x + 1", "local x; return 1 + x", "return {} + 1",
            "local s = 'a'; return s:nope()", "local u; local function f() return u() end return f()",
            "local t = {} t:m()", "return 1 .. {}", "local x = nil; for i in x do end", "return #nil",
            "local x; return #x", "local t = nil; t[1] = 2", "return -{}", "local x; return -x", "return math.nope(1)",
            "local x = KEYS.a.b", "local x = 'a' return x + 1", "local x = {} return x < 1", "return {} < {}",
            "local t = {} local k; return t[k].z", "local t = {}\nlocal function f(x)\n  return x.y.z\nend\nreturn f(t)",
            "local a = 1\nlocal b\nreturn a + b", "local t = {}\nreturn t.a .. 'x'", "local t = {} return 'a' .. 'b' .. t",
            "local up = {}\nlocal function g() return up.a.b end\nreturn g()",
            "local ok, e = pcall(function() local q = {} return q.w.e end) return e",
            "local co = coroutine.create(function() local q; q() end) local ok, e = coroutine.resume(co) return e"}) {
            d.both("EVAL", script, "0");
        }
        d.both("FUNCTION", "LOAD", "REPLACE", "#!lua name=inner\nredis.register_function('f1', function(keys, args)\n"
                + " redis.register_function('f2', function() return 2 end)\n return 1\nend)");
        d.both("FCALL", "f1", "0");
    }

    @Test
    void errorValuesAndRedisLibraryArgumentsAsRedisReportsThem() {
        for (String script : new String[] {"error()", "error(nil)", "error('null')", "error('null', 0)", "error(true)",
            "error(12)", "error('x', 0)", "local ok, e = pcall(error) return tostring(e)", "return redis.status_reply()",
            "return redis.error_reply()", "return redis.status_reply(12)", "return redis.error_reply({})",
            "redis.status_reply() return 5", "return redis.sha1hex(nil)", "return redis.sha1hex(12)",
            "return redis.sha1hex({})", "return redis.status_reply('x','y')", "return redis.sha1hex()"}) {
            d.both("EVAL", script, "0");
        }
    }
}
