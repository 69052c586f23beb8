package dev.cinnabar.tests.unit.type;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * String commands' behaviour (tests/unit/type/string.tcl and incr.tcl) on Cinnabar: the
 * expected values are Redis 7.0's (checked differentially in StringDifferentialTest); here we
 * exercise sizes, growth, limits and encodings that a reply-by-reply comparison does not reach.
 */
class StringTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    RespClient c;

    @BeforeEach
    void open() {
        c = server.client();
    }

    @AfterEach
    void close() {
        c.call("CONFIG", "SET", "proto-max-bulk-len", "512mb");
        c.close();
    }

    private String call(String... args) {
        return c.call(args).asText();
    }

    @Test
    void setAndGetAMegabyteValueBinarySafe() {
        byte[] v = new byte[1 << 20];
        for (int i = 0; i < v.length; i++) {
            v[i] = (byte) (i * 31);
        }
        assertThat(c.call("SET".getBytes(), "big".getBytes(), v).asText()).isEqualTo("OK");
        assertThat(((Resp.Bulk) c.call("GET", "big")).value()).isEqualTo(v);
        assertThat(call("STRLEN", "big")).isEqualTo(Integer.toString(v.length));
        assertThat(call("OBJECT", "ENCODING", "big")).isEqualTo("raw");
    }

    @Test
    void manyAppendsBuildTheStringInOrder() {
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            String piece = Integer.toString(i);
            expected.append(piece);
            assertThat(call("APPEND", "s", piece)).isEqualTo(Integer.toString(expected.length()));
        }
        assertThat(call("GET", "s")).isEqualTo(expected.toString());
        assertThat(call("OBJECT", "ENCODING", "s")).isEqualTo("raw");
        assertThat(call("GETRANGE", "s", "100", "109")).isEqualTo(expected.substring(100, 110));
    }

    @Test
    void setrangePadsWithZeroBytesAndOverwritesInPlace() {
        assertThat(call("SETRANGE", "k", "10", "abc")).isEqualTo("13");
        byte[] v = ((Resp.Bulk) c.call("GET", "k")).value();
        byte[] expected = new byte[13];
        expected[10] = 'a';
        expected[11] = 'b';
        expected[12] = 'c';
        assertThat(v).isEqualTo(expected);
        assertThat(call("SETRANGE", "k", "0", "xyz")).isEqualTo("13");
        assertThat(call("SETRANGE", "k", "12", "LONGER")).isEqualTo("18");
        assertThat(call("GETRANGE", "k", "0", "2")).isEqualTo("xyz");
        assertThat(call("GETRANGE", "k", "-7", "-1")).isEqualTo("abLONGER".substring(1));
        call("SET", "n", "1234");
        assertThat(call("OBJECT", "ENCODING", "n")).isEqualTo("int");
        assertThat(call("SETRANGE", "n", "1", "x")).isEqualTo("4");
        assertThat(call("GET", "n")).isEqualTo("1x34");
        assertThat(call("OBJECT", "ENCODING", "n")).isEqualTo("raw");
    }

    @Test
    void protoMaxBulkLenBoundsSetrangeAndAppend() {
        c.call("CONFIG", "SET", "proto-max-bulk-len", "1mb");
        int limit = 1024 * 1024;
        assertThat(call("SETRANGE", "k", Integer.toString(limit - 1), "x")).isEqualTo(Integer.toString(limit));
        assertThat(call("SETRANGE", "k", Integer.toString(limit), "x"))
                .isEqualTo("-ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        assertThat(call("APPEND", "k", "y"))
                .isEqualTo("-ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        assertThat(call("STRLEN", "k")).isEqualTo(Integer.toString(limit));
        assertThat(call("SETRANGE", "k2", "9223372036854775800", "abcdefghijklmnop"))
                .isEqualTo("-ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        assertThat(call("EXISTS", "k2")).isEqualTo("0");
        // LCS's table must fit in proto-max-bulk-len too: (1000+1)^2 * 4 bytes > 1 MB
        call("SET", "a", "x".repeat(1000));
        call("SET", "b", "y".repeat(1000));
        assertThat(call("LCS", "a", "b"))
                .isEqualTo("-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    }

    @Test
    void lcsOfLongerStrings() {
        String a = "ab".repeat(500) + "the common part" + "cd".repeat(500);
        String b = "zz".repeat(300) + "the common part" + "yy".repeat(300);
        call("SET", "a", a);
        call("SET", "b", b);
        assertThat(call("LCS", "a", "b", "LEN")).isEqualTo("15");
        assertThat(call("LCS", "a", "b")).isEqualTo("the common part");
        Resp.Agg idx = (Resp.Agg) c.call("LCS", "a", "b", "IDX", "MINMATCHLEN", "10", "WITHMATCHLEN");
        assertThat(idx.items().get(0).asText()).isEqualTo("matches");
        assertThat(idx.items().get(1).toString()).isEqualTo("*[*[*[:1000, :1014], *[:600, :614], :15]]");
        assertThat(idx.items().get(3).asText()).isEqualTo("15");
    }

    @Test
    void countersStayIntegersAndShareSmallValues() {
        for (int i = 1; i <= 100; i++) {
            assertThat(call("INCR", "n")).isEqualTo(Integer.toString(i));
        }
        assertThat(call("OBJECT", "ENCODING", "n")).isEqualTo("int");
        assertThat(call("OBJECT", "REFCOUNT", "n")).isEqualTo("2147483647");
        assertThat(call("INCRBY", "n", "10000")).isEqualTo("10100");
        assertThat(call("OBJECT", "REFCOUNT", "n")).isEqualTo("1");
        assertThat(call("DECRBY", "n", "10100")).isEqualTo("0");
        assertThat(call("COPY", "n", "m")).isEqualTo("1");
        assertThat(call("OBJECT", "REFCOUNT", "m")).isEqualTo("1");
        assertThat(call("OBJECT", "ENCODING", "m")).isEqualTo("int");
    }

    @Test
    void incrbyfloatAccumulatesLikeLongDouble() {
        for (int i = 0; i < 10; i++) {
            call("INCRBYFLOAT", "f", "0.1");
        }
        assertThat(call("GET", "f")).isEqualTo("1");
        call("SET", "g", "10.5");
        assertThat(call("INCRBYFLOAT", "g", "0.1")).isEqualTo("10.6");
        assertThat(call("INCRBYFLOAT", "g", "-10.6")).isEqualTo("0");
        assertThat(call("INCRBYFLOAT", "g", "1e-17")).isEqualTo("0.00000000000000001");
        assertThat(call("INCRBYFLOAT", "g", "5e-18")).isEqualTo("0.00000000000000002");
        assertThat(call("OBJECT", "ENCODING", "g")).isEqualTo("embstr");
    }

    @Test
    void msetIsAllOrNothingForMsetnx() {
        call("SET", "b", "exists");
        assertThat(call("MSETNX", "a", "1", "b", "2", "c", "3")).isEqualTo("0");
        assertThat(c.call("MGET", "a", "b", "c").toString()).isEqualTo("*[(nil$), \"exists\", (nil$)]");
        assertThat(call("MSETNX", "a", "1", "c", "3")).isEqualTo("1");
        assertThat(c.call("MGET", "a", "b", "c").toString()).isEqualTo("*[\"1\", \"exists\", \"3\"]");
    }

    @Test
    void pipelinedCommandsAnswerInOrder() {
        List<String> expected = Arrays.asList("OK", "1", "2", "3", "OK", "1");
        c.send("SET", "p", "0");
        c.send("INCR", "p");
        c.send("INCR", "p");
        c.send("INCR", "p");
        c.send("SET", "q", "x", "GET");
        c.send("STRLEN", "p");
        List<String> got = new java.util.ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            Resp r = c.read();
            got.add(r instanceof Resp.Null ? "OK" : r.asText());
        }
        assertThat(got).isEqualTo(expected);
    }
}
