package dev.cinnabar.testkit.diff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.command.Families;
import dev.cinnabar.testkit.Resp;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class NormalizersTest {
    static final List<Normalizer> STD = Normalizers.defaults(CommandTable.create(Families.all()));

    static Resp bulk(String s) {
        return new Resp.Bulk(s.getBytes(StandardCharsets.UTF_8));
    }

    static boolean same(String cmd, Resp a, Resp b) {
        return Differ.equivalent(STD, new Invocation(0, List.of(cmd), cmd), Observed.of(a), Observed.of(b));
    }

    @Test
    void wireTypesMatter() {
        assertThat(same("get", new Resp.Simple("OK"), bulk("OK"))).isFalse();
        assertThat(same("get", new Resp.Null('$'), new Resp.Null('*'))).isFalse();
        assertThat(same("get", new Resp.Int(1), bulk("1"))).isFalse();
        assertThat(same("get", new Resp.Agg('*', List.of()), new Resp.Agg('~', List.of()))).isFalse();
        assertThat(same("get", bulk("x"), bulk("x"))).isTrue();
    }

    @Test
    void unorderedOnlyForCommandsWithTheTip() {
        Resp ab = new Resp.Agg('*', List.of(bulk("a"), bulk("b")));
        Resp ba = new Resp.Agg('*', List.of(bulk("b"), bulk("a")));
        assertThat(same("smembers", ab, ba)).isTrue();
        assertThat(same("keys", ab, ba)).isTrue();
        assertThat(same("lrange", ab, ba)).isFalse();
        assertThat(same("smembers", ab, new Resp.Agg('*', List.of(bulk("a"), bulk("c"))))).isFalse();
        // HGETALL in RESP2 is sorted by pair, so a value moved to another field still differs
        Resp h1 = new Resp.Agg('*', List.of(bulk("f1"), bulk("1"), bulk("f2"), bulk("2")));
        Resp h2 = new Resp.Agg('*', List.of(bulk("f2"), bulk("2"), bulk("f1"), bulk("1")));
        Resp h3 = new Resp.Agg('*', List.of(bulk("f1"), bulk("2"), bulk("f2"), bulk("1")));
        assertThat(same("hgetall", h1, h2)).isTrue();
        assertThat(same("hgetall", h1, h3)).isFalse();
    }

    @Test
    void ttlToleratesTheTimeBetweenTheServers() {
        assertThat(same("pttl", new Resp.Int(99_998), new Resp.Int(99_990))).isTrue();
        assertThat(same("pttl", new Resp.Int(99_998), new Resp.Int(90_000))).isFalse();
        assertThat(same("ttl", new Resp.Int(-1), new Resp.Int(-2))).isFalse();
        assertThat(same("ttl", new Resp.Int(100), new Resp.Int(99))).isTrue();
        assertThat(same("get", new Resp.Int(100), new Resp.Int(99))).isFalse();
    }

    @Test
    void helloIgnoresOnlyTheClientId() {
        Resp a = new Resp.Agg('%', List.of(bulk("server"), bulk("redis"), bulk("id"), new Resp.Int(7)));
        Resp b = new Resp.Agg('%', List.of(bulk("server"), bulk("redis"), bulk("id"), new Resp.Int(3)));
        Resp c = new Resp.Agg('%', List.of(bulk("server"), bulk("other"), bulk("id"), new Resp.Int(3)));
        assertThat(same("hello", a, b)).isTrue();
        assertThat(same("hello", a, c)).isFalse();
    }

    @Test
    void execRepliesAreNormalisedAsTheQueuedCommands() {
        Resp ab = new Resp.Agg('*', List.of(bulk("a"), bulk("b")));
        Resp ba = new Resp.Agg('*', List.of(bulk("b"), bulk("a")));
        List<Invocation> queued = List.of(Invocation.of("SMEMBERS", "s"), Invocation.of("LRANGE", "l", "0", "-1"));
        Observed x = Observed.of(new Resp.Agg('*', List.of(ab, ab)));
        assertThat(Differ.equivalentExec(STD, queued, x, Observed.of(new Resp.Agg('*', List.of(ba, ab))))).isTrue();
        assertThat(Differ.equivalentExec(STD, queued, x, Observed.of(new Resp.Agg('*', List.of(ab, ba))))).isFalse();
        assertThat(Differ.equivalentExec(STD, queued, x, Observed.of(new Resp.Agg('*', List.of(ab))))).isFalse();
        assertThat(Differ.equivalentExec(STD, queued, x, Observed.of(new Resp.Null('*')))).isFalse();
    }

    @Test
    void failuresMatchOnlyTheSameFailure() {
        Invocation i = Invocation.of("GET", "k");
        assertThat(Differ.equivalent(STD, i, Observed.failed("connection closed"), Observed.failed("connection closed")))
                .isTrue();
        assertThat(Differ.equivalent(STD, i, Observed.of(bulk("x")), Observed.failed("connection closed"))).isFalse();
    }
}
