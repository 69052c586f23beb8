package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scripts that exhaust a resource (reply nesting, string sizes, unpack, coroutines, load time)
 * or hit an unusual error fail with an error reply and the connection goes on answering its own
 * requests, in order; where Redis 7.0 answers, the bytes are Redis's.
 */
@Timeout(120)
class ScriptingLimitsTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);

    /** A chain of ARGV[1] one-element tables below the returned one, ending in 'leaf'. */
    private static final String NESTED_ARRAYS = "local t = {} local cur = t "
            + "for i = 1, tonumber(ARGV[1]) do local n = {} cur[1] = n cur = n end cur[1] = 'leaf' return t";
    /** The same chain through {map={k=...}} tables (nesting in map values). */
    private static final String NESTED_MAPS = "local t = {} local cur = t "
            + "for i = 1, tonumber(ARGV[1]) do local n = {} cur['map'] = {k = n} cur = n end "
            + "cur['map'] = {k = 'leaf'} return t";
    /** Nesting through map keys. */
    private static final String NESTED_MAP_KEYS = "local t = {} local cur = t "
            + "for i = 1, tonumber(ARGV[1]) do local n = {} cur['map'] = {[n] = 'v'} cur = n end "
            + "cur['map'] = {k = 'leaf'} return t";
    /** Nesting through set members. */
    private static final String NESTED_SETS = "local t = {} local cur = t "
            + "for i = 1, tonumber(ARGV[1]) do local n = {} cur['set'] = {[n] = true} cur = n end "
            + "cur['set'] = {leaf = true} return t";

    /**
     * Sends the request followed by PING (in one write, so both are one batch) on a fresh
     * connection and returns every byte up to and including the PONG, so a reply that is not
     * well-formed, or missing, shows.
     */
    private static byte[] exchange(int port, byte[] request) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            ByteArrayOutputStream req = new ByteArrayOutputStream();
            req.writeBytes(request);
            req.writeBytes(RespClient.encode(bytes("PING")));
            s.getOutputStream().write(req.toByteArray());
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] end = bytes("+PONG\r\n");
            byte[] buf = new byte[65536];
            while (true) {
                int n = in.read(buf);
                if (n < 0) {
                    return got.toByteArray();
                }
                got.write(buf, 0, n);
                byte[] all = got.toByteArray();
                if (all.length >= end.length
                        && Arrays.equals(all, all.length - end.length, all.length, end, 0, end.length)) {
                    return all;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] request(String... args) {
        byte[][] a = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            a[i] = bytes(args[i]);
        }
        return RespClient.encode(a);
    }

    /** Asserts both servers answer the request and the PING after it with the same bytes. */
    private static void sameBytes(String... args) {
        byte[] req = request(args);
        byte[] expected = exchange(d.redisPort(), req);
        byte[] actual = exchange(server.port(), req);
        assertThat(actual.length).as("reply length to %s", Arrays.toString(args)).isEqualTo(expected.length);
        assertThat(actual).as("reply to %s", Arrays.toString(args)).isEqualTo(expected);
    }

    @Test
    void deeplyNestedRepliesAreWellFormedAndMatchRedisAtEveryDepth() {
        // Redis converts with a bounded Lua stack: past its limit a value becomes a
        // "reached lua stack limit" error element in place and every array keeps its length.
        for (String depth : new String[] {"1000", "2000", "7993", "7994", "7995", "10000"}) {
            sameBytes("EVAL", NESTED_ARRAYS, "0", depth);
        }
        for (String depth : new String[] {"2663", "2664", "2700"}) {
            sameBytes("EVAL", NESTED_MAPS, "0", depth);
            sameBytes("EVAL", NESTED_SETS, "0", depth);
        }
        for (String depth : new String[] {"1997", "1998", "2500"}) {
            sameBytes("EVAL", NESTED_MAP_KEYS, "0", depth);
        }
        d.both("FUNCTION", "LOAD", "REPLACE", "#!lua name=nest\nredis.register_function('nest', function(keys, ARGV) "
                + NESTED_ARRAYS + " end)");
        sameBytes("FCALL", "nest", "0", "7994");
        sameBytes("FCALL", "nest", "0", "3000");
        d.both("FUNCTION", "FLUSH");
    }

    @Test
    void syntaxErrorsQuotingDollarSignsAreAnswered() {
        sameBytes("EVAL", "return $x", "0");
        sameBytes("EVAL", "return \"$1\" +", "0");
        sameBytes("EVAL", "local x = $1", "0");
        sameBytes("SCRIPT", "LOAD", "return $");
        sameBytes("SCRIPT", "LOAD", "return \\");
        sameBytes("FUNCTION", "LOAD", "#!lua name=dollar\nreturn $");
        sameBytes("EVAL", "return loadstring('return $')", "0");
        d.both("EVAL", "return select(2, loadstring('x = $2'))", "0");
        d.both("EVAL", "return select(2, loadstring('return $'))", "0");
        d.both("EVAL", "return select(2, loadstring('x = '))", "0");
    }

    @Test
    void aStringLargerThanTheLimitIsAnErrorAndTheConnectionGoesOn() {
        try (RespClient c = new RespClient(server.port())) {
            c.send("EVAL", "redis.call('incr', 'runs') return string.rep('x', 2^31-1)", "0");
            c.send("GET", "runs");
            Resp r = c.read();
            assertThat(r).isInstanceOf(Resp.Err.class);
            assertThat(((Resp.Err) r).message())
                    .startsWith("ERR user_script:1: string too long (2147483647 bytes; scripts are limited to ")
                    .endsWith(" bytes) script: " + sha1("redis.call('incr', 'runs') return string.rep('x', 2^31-1)")
                            + ", on @user_script:1.");
            assertThat(c.read().asText()).isEqualTo("1"); // answered, and the script did not run again
            assertThat(c.call("GET", "runs").asText()).isEqualTo("1");
            assertThat(c.call("EVAL", "return {pcall(string.rep, 'ab', 2^30 + 1)}", "0").toString())
                    .contains("string too long (2147483650 bytes; scripts are limited to ");
        }
    }

    @Test
    void stringRepAndUnpackFollowLua51() {
        d.both("EVAL", "return string.rep('x', -1)", "0");
        d.both("EVAL", "return string.rep('ab', 0)", "0");
        d.both("EVAL", "return string.rep('', 2^24)", "0");
        // Redis's Lua loops 2^31 times for this (seconds, more on a loaded machine): ours alone
        assertThat(d.ours.call("EVAL", "return string.rep('', 2^31-1)", "0")).isEqualTo(d.ours.call("EVAL", "return ''", "0"));
        d.both("EVAL", "return string.rep('x', 2^53)", "0");
        d.both("EVAL", "return string.rep('ab', 3)", "0");
        d.both("EVAL", "return ('ab'):rep(2)", "0");
        d.both("EVAL", "return select('#', unpack({}, 1, 7997))", "0");
        d.both("EVAL", "return select('#', unpack({}, 1, 7998))", "0");
        d.both("EVAL", "local t = {} for i = 1, 7999 do t[i] = i end return select('#', unpack(t))", "0");
        d.both("EVAL", "local t = {} for i = 1, 8000 do t[i] = i end return select('#', unpack(t))", "0");
        d.both("EVAL", "return {pcall(unpack, {}, 1, 1e10)}", "0");
        d.both("EVAL", "return {pcall(unpack, {}, -2^31, 2^31 - 1)}", "0");
        d.both("EVAL", "return select('#', unpack({}, 2^31 - 3, 2^31))", "0");
        d.both("EVAL", "return {unpack({1, 2, 3}, 2)}", "0");
        d.both("EVAL", "return {unpack({1, 2, 3}, -1, 1)}", "0");
        d.both("EVAL", "return table.concat({1, 2, 'x'}, ', ')", "0");
        d.both("EVAL", "return table.concat({1, 2, 3}, '-', 2, 3)", "0");
        d.both("EVAL", "return table.concat({1, 2, 3}, ',', 1, 5)", "0");
        d.both("EVAL", "return table.concat({1, {}, 3})", "0");
        d.both("EVAL", "return table.concat({}, 'x', 3, 1)", "0");
    }

    /** cmsgpack.unpack decodes without recursion, and fails where Redis's Lua stack runs out. */
    @Test
    void cmsgpackNestingAndResultsAreBoundedAsInRedis() {
        String depth = "local t = cmsgpack.unpack(string.rep('\\145', tonumber(ARGV[1])) .. '\\1') local d = 0 "
                + "while type(t) == 'table' do t = t[1] d = d + 1 end return d";
        String mapValues = "local t = cmsgpack.unpack(string.rep('\\129\\1', tonumber(ARGV[1])) .. '\\1') local d = 0 "
                + "while type(t) == 'table' do t = t[1] d = d + 1 end return d";
        String mapKeys = "return type(cmsgpack.unpack(string.rep('\\129', tonumber(ARGV[1])) .. '\\1\\1' "
                + ".. string.rep('\\1', tonumber(ARGV[1]) - 1)))";
        String results = "return select('#', cmsgpack.unpack(string.rep('\\1', tonumber(ARGV[1]))))";
        String limited = "return select('#', cmsgpack.unpack_limit(string.rep('\\1', tonumber(ARGV[1])), tonumber(ARGV[1])))";
        String one = "local o, t = cmsgpack.unpack_one(string.rep('\\145', tonumber(ARGV[1])) .. '\\1') return o";
        for (String n : new String[] {"3999", "4000"}) {
            d.both("EVAL", depth, "0", n);
            d.both("EVAL", mapValues, "0", n);
            d.both("EVAL", one, "0", n);
        }
        for (String n : new String[] {"7997", "7998"}) {
            d.both("EVAL", mapKeys, "0", n);
        }
        for (String n : new String[] {"7998", "7999", "8000"}) {
            d.both("EVAL", results, "0", n);
            d.both("EVAL", limited, "0", n);
        }
    }

    @Test
    void libraryOutputsLargerThanTheLimitAreErrors() {
        try (RespClient c = new RespClient(server.port())) {
            assertThat(c.call("CONFIG", "SET", "proto-max-bulk-len", "1mb").asText()).isEqualTo("OK");
            try {
                String big = "local s = string.rep('x', 400 * 1024) ";
                for (String expr : new String[] {"string.rep(s, 3)", "table.concat({s, s, s})",
                    "cjson.encode({s, s, s})", "cmsgpack.pack(s, s, s)", "struct.pack('c0c0c0', s, s, s)",
                    "string.format('%s%s%s', s, s, s)", "string.rep('x', 1024 * 1024 + 1)"}) {
                    assertThat(errorOf(c.call("EVAL", big + "return " + expr, "0"))).as(expr)
                            .startsWith("ERR user_script:1: string too long (")
                            .contains("; scripts are limited to 1048576 bytes)");
                    assertThat(c.call("PING")).isEqualTo(new Resp.Simple("PONG"));
                }
                // a reply adding up past the limit is refused before a byte of it is written
                assertThat(errorOf(c.call("EVAL", big + "return {s, s, s}", "0"))).isEqualTo("ERR Error running script "
                        + sha1(big + "return {s, s, s}") + ", reply too large (scripts are limited to 1048576 bytes)");
                assertThat(c.call("EVAL", "return #string.rep('x', 1024 * 1024)", "0")).isEqualTo(new Resp.Int(1 << 20));
            } finally {
                c.call("CONFIG", "SET", "proto-max-bulk-len", "512mb");
            }
        }
    }

    @Test
    void javaExceptionTextNeverReachesTheClient() {
        d.both("EVAL", "return bit.tohex(1, 2^31)", "0");
        d.both("EVAL", "return bit.tohex(255, -2^31)", "0");
        d.both("EVAL", "return string.format('%99999999999d', 1)", "0");
        d.both("EVAL", "return string.format('%.99999f', 1)", "0");
        d.both("EVAL", "return string.format('%123d', 1)", "0");
        d.both("EVAL", "return string.format('%-+ #0d', 1)", "0");
        d.both("EVAL", "return string.format('%-+ #0-d', 1)", "0");
        d.both("EVAL", "return string.format('%5.3s|%-5d|%05.1f', 'abcdef', 42, 3.14159)", "0");
        // C's printf, which java.util.Formatter is not: these flags used to throw Java exceptions
        d.both("EVAL", "return string.format('%#d|%+ d|%-05d|%#x|%#o|%+.3e|% 5.1f|%#.3g|%05s|%.0s|%c|%5c|%u|%i|%.3d|%x', "
                + "42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42)", "0");
        d.both("EVAL", "return string.format('%d|%x|%u|%o', 2^63, 2^63, -1, -3.7)", "0");
        d.both("EVAL", "return string.format('%d|%x|%u', 1e300, 1e300, 0/0)", "0");
        d.both("EVAL", "return string.format('%.20f|%.3e|%e|%g|%G|%10.4f|%-10.2e|', 0.1, 123456.789, 0, 1e-5, 1e20, "
                + "math.pi, -math.pi)", "0");
        d.both("EVAL", "return string.format('%#g|%#.0f|%#.0e|%#x|%#o', 1.5, 2, 3, 0, 0)", "0");
        d.both("EVAL", "return string.format('%s|%10s|%c%c%c|%-5c|', string.rep('a\\0b', 40), 'a\\0b', 72, 0, 73, 0)", "0");
        d.both("EVAL", "return string.format('%q', 'a\\0b\"\\n\\r\\\\')", "0");
        d.both("EVAL", "return string.format('%+d|% d|%+5d|%-+5d|%05d|%-05d|%.0d|%.0x|%#.0o|', 0, 0, 7, 7, -7, -7, 0, 0, 0)", "0");
        d.both("EVAL", "return string.format('%5.1f|%-8.3f|%08.3f|%e|%E', -1/0, 1/0, -1/0, 1e-300, 5e-324)", "0");
        d.both("EVAL", "return string.format('%.15g|%.17g|%g|%g|%g|%g', 0.1, 0.1, 1e15, 123456789, 0.0001, 0.00001)", "0");
        d.both("EVAL", "return string.format('%d')", "0");
        d.both("EVAL", "return string.format('%d', 'x')", "0");
        d.both("EVAL", "return string.format('%s', {})", "0");
        d.both("EVAL", "return string.format('%5%', 1)", "0");
        d.both("EVAL", "return string.format('%z', 1)", "0");
        d.both("EVAL", "return {pcall(struct.pack, 'c99999999999', 'x')}", "0");
        d.both("EVAL", "return {1e20, -1e20, 0/0, 2.9, -2.9}", "0");
        try (RespClient c = new RespClient(server.port())) {
            for (String script : new String[] {"return struct.pack('c99999999999', 'x')",
                "return {pcall(struct.pack, 'c99999999999', 'x')}", "return string.rep('x', 2^31 - 1)",
                "return {pcall(string.rep, 'x', 2^31 - 1)}", "return cmsgpack.unpack('\\219\\255\\255\\255\\255')"}) {
                String reply = c.call("EVAL", script, "0").toString();
                assertThat(reply).as(script).doesNotContain("java.", "Exception", "vm error");
            }
        }
    }

    @Test
    void suspendedCoroutinesEndWithTheirScript() {
        int before = coroutineThreads();
        // 100 coroutines left suspended: each has a thread while the script runs, none after it
        d.both("EVAL", "local n = 0 for i = 1, 100 do local co = coroutine.create(function() coroutine.yield(i) end) "
                + "local ok, v = coroutine.resume(co) n = n + v end return n", "0");
        assertThat(coroutineThreads()).isEqualTo(before);
        // past the limit, a clear error; still no thread left behind
        try (RespClient c = new RespClient(server.port())) {
            String script = "local all = {} for i = 1, 1000 do local co = coroutine.create(function() coroutine.yield() end) "
                    + "coroutine.resume(co) all[i] = co end return #all";
            assertThat(c.call("EVAL", script, "0")).isEqualTo(new Resp.Err("ERR user_script:1: too many coroutines "
                    + "(a script may have at most 100 alive at a time) script: " + sha1(script) + ", on @user_script:1."));
            assertThat(coroutineThreads()).isEqualTo(before);
            // coroutines that finish free their place
            assertThat(c.call("EVAL", "local n = 0 for i = 1, 300 do local f = coroutine.wrap(function(a) "
                    + "coroutine.yield(a) return a * 2 end) n = n + f(i) + f() end return n", "0"))
                    .isEqualTo(new Resp.Int(3 * 300 * 301 / 2));
            assertThat(coroutineThreads()).isEqualTo(before);
        }
    }

    @Test
    void coroutinesBehaveAsInRedis() {
        for (String script : new String[] {
            "return {coroutine.resume(coroutine.create(function() error('boom') end))}",
            "return {coroutine.resume(coroutine.create(function() error({err='E x'}) end))}",
            "return {coroutine.resume(coroutine.create(function() redis.call('nosuch') end))}",
            "return {coroutine.resume(coroutine.create(function() local x = 1 + {} end))}",
            "local co = coroutine.wrap(function() error('w') end) return co()",
            "local co = coroutine.wrap(function() error({err='EW'}) end) return co()",
            "local co = coroutine.wrap(function() coroutine.yield(1) end) co() co() return co()",
            "return {coroutine.resume(coroutine.create(function(a, b) local c = coroutine.yield(a + b) return c end), 1, 2)}",
            "local co = coroutine.create(function(a) local c = coroutine.yield(a) return c * 2 end) "
                + "coroutine.resume(co, 1) return {coroutine.resume(co, 10)}",
            "local co = coroutine.create(function() end) coroutine.resume(co) return {coroutine.resume(co)}",
            "local co = coroutine.create(function() end) return coroutine.status(co)",
            "local co co = coroutine.create(function() return coroutine.status(co) end) return {coroutine.resume(co)}",
            "local co = coroutine.create(function() coroutine.yield() end) coroutine.resume(co) return coroutine.status(co)",
            "local t = {} for i = 1, 10 do t[i] = coroutine.wrap(function() coroutine.yield(i) return i * 10 end) end "
                + "local s = 0 for i = 1, 10 do s = s + t[i]() end return s",
            "local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end) "
                + "return {gen(), gen(), gen()}",
            "return type(coroutine.create(function() end))",
            "local co = coroutine.create(function() redis.call('set', 'k', 'v') coroutine.yield(redis.call('get', 'k')) end) "
                + "return {coroutine.resume(co)}",
        }) {
            d.both("EVAL", script, "0");
        }
    }

    @Test
    void pcallAndXpcallReportErrorsAsLua51Does() {
        for (String script : new String[] {
            "return {pcall(function() error('x') end)}",
            "return {pcall(function() error({err='E1'}) end)}",
            "local ok, e = pcall(function() error({err=5}) end) return {type(e), e}",
            "local ok, e = pcall(function() error({x=1}) end) return type(e)",
            "return {xpcall(function() error({err='E2'}) end, function(m) return type(m) end)}",
            "return {pcall(error)}",
            "return {pcall(function() error('x', 0) end)}",
            "error('x', 0)",
            "error('x')",
            "return {pcall(redis.call, 'nosuch')}",
            "return {pcall(function() return 1 + {} end)}",
            "return {xpcall(function() error('x') end, function(m) return 'H:' .. tostring(m) end)}",
            "return {xpcall(function() error({}) end, function(m) return type(m) end)}",
            "return {xpcall(function() return 1, 2 end, function(m) return m end)}",
            "return {pcall(function(a, b) return a + b end, 1, 2)}",
        }) {
            d.both("EVAL", script, "0");
        }
    }

    @Test
    void aFunctionLibraryThatNeverEndsLoadingTimesOut() {
        sameBytes("FUNCTION", "LOAD", "#!lua name=spin\nwhile true do end");
        sameBytes("FUNCTION", "LOAD", "#!lua name=spin\nlocal i = 0 while true do i = i + 1 end");
        d.both("FUNCTION", "LIST");
    }

    /** SCRIPT KILL stops a script even when it catches the kill with pcall or runs it in a coroutine. */
    @Test
    void scriptKillCannotBeCaught() throws Exception {
        int before = coroutineThreads();
        try (CinnabarServer s = CinnabarServer.builder().setting("busy-reply-threshold", "100").start();
             RespClient runner = new RespClient(s.port());
             RespClient other = new RespClient(s.port())) {
            for (String script : new String[] {
                "while true do pcall(function() while true do end end) end",
                "while true do coroutine.resume(coroutine.create(function() while true do end end)) end"}) {
                CompletableFuture<Resp> eval = CompletableFuture.supplyAsync(() -> runner.call("EVAL", script, "0"));
                long deadline = System.currentTimeMillis() + 5000;
                while (!(other.call("PING") instanceof Resp.Err) && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(other.call("SCRIPT", "KILL")).isEqualTo(new Resp.Simple("OK"));
                Resp r = eval.get(5, TimeUnit.SECONDS);
                assertThat(((Resp.Err) r).message()).as(script)
                        .startsWith("ERR Script killed by user with SCRIPT KILL... script: ");
                assertThat(other.call("PING")).isEqualTo(new Resp.Simple("PONG"));
            }
            assertThat(coroutineThreads()).isEqualTo(before);
        }
    }

    /** The error's text, or a short description of a reply that is not an error (replies here may be megabytes). */
    private static String errorOf(Resp r) {
        if (r instanceof Resp.Err e) {
            return e.message();
        }
        String s = r.toString();
        return "not an error: " + (s.length() > 200 ? s.substring(0, 200) + "..." : s);
    }

    private static int coroutineThreads() {
        int n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("Coroutine-") && t.isAlive()) {
                n++;
            }
        }
        return n;
    }

    private static String sha1(String s) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(bytes(s)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
