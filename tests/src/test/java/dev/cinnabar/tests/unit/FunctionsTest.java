package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Redis 7.0 Functions against real Redis (named after Redis's tests/unit/functions.tcl). */
class FunctionsTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);

    private static final String LIB = "#!lua name=mylib\n"
            + "redis.register_function('echo', function(keys, args) return args[1] end)\n"
            + "redis.register_function{function_name='getk', callback=function(k, a) return redis.call('get', k[1]) end,"
            + " flags={'no-writes'}, description='reads a key'}\n"
            + "redis.register_function('setk', function(k, a) return redis.call('set', k[1], a[1]) end)\n"
            + "redis.register_function('boom', function(k, a) error('in fn') end)";

    /**
     * FUNCTION LIST with each library's functions sorted by name: Redis lists them in its dict's
     * order, which depends on a per-process random hash seed.
     */
    private void listBoth(String... args) {
        assertThat(sorted(d.ours.call(args))).isEqualTo(sorted(d.real.call(args)));
    }

    private static Resp sorted(Resp r) {
        if (!(r instanceof Resp.Agg a)) {
            return r;
        }
        java.util.List<Resp> items = new java.util.ArrayList<>();
        for (int i = 0; i < a.items().size(); i++) {
            Resp item = sorted(a.items().get(i));
            items.add(item);
            if (i > 0 && a.items().get(i - 1).asText().equals("functions") && item instanceof Resp.Agg fns) {
                java.util.List<Resp> fs = new java.util.ArrayList<>(fns.items());
                fs.sort(java.util.Comparator.comparing(Resp::toString));
                items.set(i, new Resp.Agg(fns.kind(), fs));
            }
        }
        return new Resp.Agg(a.kind(), items);
    }

    private void fresh() {
        d.both("FUNCTION", "FLUSH");
    }

    @Test
    void loadCallListAndStats() {
        fresh();
        d.both("FUNCTION", "LOAD", LIB);
        d.both("FCALL", "echo", "0", "hello");
        d.both("FCALL", "setk", "1", "k", "v");
        d.both("FCALL", "getk", "1", "k");
        d.both("FCALL_RO", "getk", "1", "k");
        d.both("FCALL_RO", "setk", "1", "k", "v");
        d.both("FCALL", "boom", "0");
        d.both("FCALL", "nosuch", "0");
        d.both("FCALL", "echo", "-1");
        d.both("FCALL", "echo", "5", "a");
        listBoth("FUNCTION", "LIST");
        listBoth("FUNCTION", "LIST", "WITHCODE");
        listBoth("FUNCTION", "LIST", "LIBRARYNAME", "my*");
        listBoth("FUNCTION", "LIST", "LIBRARYNAME", "zz*");
        d.both("FUNCTION", "STATS");
        d.both("FUNCTION", "LOAD", LIB);
        d.both("FUNCTION", "LOAD", "REPLACE", LIB);
        d.both("FUNCTION", "DELETE", "mylib");
        d.both("FUNCTION", "DELETE", "mylib");
        d.both("FCALL", "echo", "0", "x");
        d.both("FUNCTION", "KILL");
    }

    @Test
    void loadErrors() {
        fresh();
        d.both("FUNCTION", "LOAD", "return 1");
        d.both("FUNCTION", "LOAD", "#!lua\nreturn 1");
        d.both("FUNCTION", "LOAD", "#!luax name=x\n");
        d.both("FUNCTION", "LOAD", "#!lua name=bad-lib\nredis.register_function('f', function() end)");
        d.both("FUNCTION", "LOAD", "#!lua name=x y=z\n");
        d.both("FUNCTION", "LOAD", "#!lua name=e\n");
        d.both("FUNCTION", "LOAD", "#!lua name=e\nredis.call('set','a','b')");
        d.both("FUNCTION", "LOAD", "#!lua name=e\nerror('boom')");
        d.both("FUNCTION", "LOAD", "#!lua name=e\nredis.register_function()");
        d.both("FUNCTION", "LOAD", "#!lua name=e\nredis.register_function('x', 5)");
        d.both("FUNCTION", "LOAD", "#!lua name=e\nredis.register_function{callback=function() end}");
        d.both("FUNCTION", "LOAD", "#!lua name=e\nredis.register_function{function_name='q'}");
        d.both("FUNCTION", "LOAD", "#!lua name=e\nredis.register_function{function_name='q', callback=function() end, flags={'bogus'}}");
        d.both("FUNCTION", "LOAD", "#!lua name=e\nredis.register_function{function_name='q', callback=function() end, flags='no-writes'}");
        d.both("FUNCTION", "LOAD", "#!lua name=e\nredis.register_function{function_name='q', callback=function() end, extra=1}");
        d.both("FUNCTION", "LOAD", "#!lua name=e\nredis.register_function('a', function() end)\nredis.register_function('a', function() end)");
        d.both("FUNCTION", "LOAD", "#!lua name=e\nredis.register_function('a-b', function() end)");
        d.both("FUNCTION", "LOAD", "#!lua name=e\nredis.register_function('x' ");
        d.both("FUNCTION", "LOAD", "#!lua name=e1\nredis.register_function('dup', function() end)");
        d.both("FUNCTION", "LOAD", "#!lua name=e2\nredis.register_function('dup', function() end)");
        d.both("FUNCTION", "FLUSH", "bogus");
        d.both("FUNCTION", "RESTORE", "abc", "bogus");
        d.both("FUNCTION", "RESTORE", "garbage");
    }

    @Test
    void dumpAndRestoreInteroperateWithRedis() {
        fresh();
        d.both("FUNCTION", "LOAD", LIB);
        Resp ours = d.ours.call("FUNCTION", "DUMP");
        Resp theirs = d.real.call("FUNCTION", "DUMP");
        d.both("FUNCTION", "FLUSH");
        // each side restores the other's payload (Redis's may be LZF-compressed)
        assertThat(d.ours.call("FUNCTION".getBytes(), "RESTORE".getBytes(), ((Resp.Bulk) theirs).value()).asText())
                .isEqualTo("OK");
        assertThat(d.real.call("FUNCTION".getBytes(), "RESTORE".getBytes(), ((Resp.Bulk) ours).value()).asText())
                .isEqualTo("OK");
        listBoth("FUNCTION", "LIST", "WITHCODE");
        d.both("FCALL", "echo", "0", "after-restore");
        assertThat(d.ours.call("FUNCTION".getBytes(), "RESTORE".getBytes(), ((Resp.Bulk) theirs).value()))
                .isEqualTo(d.real.call("FUNCTION".getBytes(), "RESTORE".getBytes(), ((Resp.Bulk) ours).value()));
        assertThat(d.ours.call("FUNCTION".getBytes(), "RESTORE".getBytes(), ((Resp.Bulk) theirs).value(),
                "REPLACE".getBytes()).asText()).isEqualTo("OK");
    }

    @Test
    void metadataIsParsedAsRedisSplitsIt() {
        fresh();
        String body = "\nredis.register_function('Foo', function() return 1 end)";
        d.both("FUNCTION", "LOAD", "#!LUA name=up" + body); // the engine name in any case
        d.both("FUNCTION", "LOAD", "#!Lua name=\"quoted\"" + body.replace("Foo", "other"));
        d.both("FUNCTION", "LOAD", "#! name=test" + body);
        d.both("FUNCTION", "LOAD", "#!lua name=foo name=bar" + body);
        d.both("FUNCTION", "LOAD", "#!lua NAME=x" + body);
        d.both("FUNCTION", "LOAD", "#!lua name=\"unbalanced" + body);
        d.both("FUNCTION", "LOAD", "#!lua name=nonewline");
        d.both("FUNCTION", "LOAD", "#!lua" + body);
    }

    @Test
    void functionNamesAreCaseInsensitiveLibraryNamesAreNot() {
        fresh();
        d.both("FUNCTION", "LOAD", "#!lua name=test\nredis.register_function('test', function() return 'lower' end)");
        d.both("FCALL", "TEST", "0");
        d.both("FCALL", "tEsT", "0");
        d.both("FUNCTION", "LOAD", "#!lua name=TEST\nredis.register_function('other', function() return 1 end)");
        d.both("FUNCTION", "LOAD", "#!lua name=lib3\nredis.register_function('TEST', function() return 1 end)");
        d.both("FCALL", "test", "notanumber");
        d.both("FUNCTION", "DELETE", "TEST");
        d.both("FCALL", "other", "0");
    }

    @Test
    void registrationRulesAndTheLoadTimeSandbox() {
        fresh();
        d.both("FUNCTION", "LOAD", "#!lua name=e\nredis.register_function('f1')");
        d.both("FUNCTION", "LOAD", "#!lua name=e\nredis.register_function{function_name=function() end, "
                + "callback=function() end}");
        d.both("FUNCTION", "LOAD", "#!lua name=e\nredis.register_function{[1]='x', callback=function() end}");
        d.both("FUNCTION", "LOAD", "#!lua name=e\na = 1");
        d.both("FUNCTION", "LOAD", "#!lua name=e\nredis.math.random()");
        d.both("FUNCTION", "LOAD", "#!lua name=lib1\nlocal lib = redis\n"
                + "lib.register_function('f1', function() lib.redis = redis return {ok='OK'} end)\n"
                + "lib.register_function('f2', function() lib.register_function('f3', function() end) end)");
        d.both("FCALL", "f1", "0");
        d.both("FCALL", "f2", "0");
    }
}
