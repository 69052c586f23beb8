package dev.cinnabar.server.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Every Reply method's wire form in RESP2 and RESP3, as Redis 7.0 writes them. */
class RespWriterTest {
    private static String wire(int protocol, Consumer<Reply> body) {
        RespWriter w = new RespWriter();
        w.protocol(protocol);
        ByteBuf out = Unpooled.buffer();
        w.target(out);
        body.accept(w);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void both(Consumer<Reply> body, String resp2, String resp3) {
        assertThat(wire(2, body)).as("RESP2").isEqualTo(resp2);
        assertThat(wire(3, body)).as("RESP3").isEqualTo(resp3);
    }

    @Test
    void scalars() {
        both(r -> r.simple("OK"), "+OK\r\n", "+OK\r\n");
        both(Reply::ok, "+OK\r\n", "+OK\r\n");
        both(r -> r.error("ERR x\ny"), "-ERR x y\r\n", "-ERR x y\r\n");
        both(r -> r.integer(-5), ":-5\r\n", ":-5\r\n");
        both(r -> r.integer(1023), ":1023\r\n", ":1023\r\n");
        both(r -> r.integer(Long.MIN_VALUE), ":-9223372036854775808\r\n", ":-9223372036854775808\r\n");
        both(r -> r.integer(Long.MAX_VALUE), ":9223372036854775807\r\n", ":9223372036854775807\r\n");
        both(r -> r.integer(1024), ":1024\r\n", ":1024\r\n");
        both(r -> r.integer(-1), ":-1\r\n", ":-1\r\n");
        both(r -> r.integer(1234567890123L), ":1234567890123\r\n", ":1234567890123\r\n");
        both(r -> r.array(100000), "*100000\r\n", "*100000\r\n");
        both(r -> r.bulk("h\u00e9"), "$3\r\nh\u00e9\r\n", "$3\r\nh\u00e9\r\n");
        both(r -> r.bulk(new byte[0]), "$0\r\n\r\n", "$0\r\n\r\n");
        both(r -> r.bulk("abcdef".getBytes(), 2, 3), "$3\r\ncde\r\n", "$3\r\ncde\r\n");
    }

    @Test
    void nulls() {
        both(Reply::nullBulk, "$-1\r\n", "_\r\n");
        both(Reply::nullArray, "*-1\r\n", "_\r\n");
    }

    @Test
    void doublesAndBooleans() {
        both(r -> r.dbl(1.5), "$3\r\n1.5\r\n", ",1.5\r\n");
        both(r -> r.dbl(0.1), "$19\r\n0.10000000000000001\r\n", ",0.10000000000000001\r\n");
        both(r -> r.dbl(Double.POSITIVE_INFINITY), "$3\r\ninf\r\n", ",inf\r\n");
        both(r -> r.dbl(Double.NEGATIVE_INFINITY), "$4\r\n-inf\r\n", ",-inf\r\n");
        both(r -> r.dbl(3), "$1\r\n3\r\n", ",3\r\n");
        both(r -> r.dbl(1e20), "$5\r\n1e+20\r\n", ",1e+20\r\n");
        both(r -> r.bool(true), ":1\r\n", "#t\r\n");
        both(r -> r.bool(false), ":0\r\n", "#f\r\n");
    }

    @Test
    void aggregates() {
        both(r -> {
            r.map(1);
            r.bulk("k");
            r.integer(1);
        }, "*2\r\n$1\r\nk\r\n:1\r\n", "%1\r\n$1\r\nk\r\n:1\r\n");
        both(r -> {
            r.set(1);
            r.bulk("m");
        }, "*1\r\n$1\r\nm\r\n", "~1\r\n$1\r\nm\r\n");
        both(r -> {
            r.push(1);
            r.bulk("p");
        }, "*1\r\n$1\r\np\r\n", ">1\r\n$1\r\np\r\n");
        both(Reply::emptyArray, "*0\r\n", "*0\r\n");
        both(r -> r.verbatim("txt", "hi\n"), "$3\r\nhi\n\r\n", "=7\r\ntxt:hi\n\r\n");
    }

    @Test
    void deferredLengths() {
        both(r -> {
            Object h = r.deferredArray();
            r.bulk("a");
            r.integer(2);
            r.finishDeferred(h, 2);
        }, "*2\r\n$1\r\na\r\n:2\r\n", "*2\r\n$1\r\na\r\n:2\r\n");
        both(r -> {
            r.bulk("before");
            Object h = r.deferredMap();
            r.bulk("f");
            r.bulk("v");
            r.finishDeferred(h, 1);
        }, "$6\r\nbefore\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n", "$6\r\nbefore\r\n%1\r\n$1\r\nf\r\n$1\r\nv\r\n");
    }
}
