package dev.cinnabar.server.persistence.aof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The manifest's text as Redis 7.0 writes and reads it (aofInfoFormat, aofLoadManifestFromFile). */
class AofManifestTest {
    private static AofManifest parse(String s) throws AofManifest.FormatError {
        return AofManifest.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String error(String s) {
        try {
            parse(s);
        } catch (AofManifest.FormatError e) {
            return e.getMessage() + "@" + e.line;
        }
        throw new AssertionError("accepted: " + s);
    }

    @Test
    void formatsBaseThenHistoryThenIncrAsRedis() {
        AofManifest m = new AofManifest();
        assertThat(m.newBase("appendonly.aof", true)).isEqualTo("appendonly.aof.1.base.rdb");
        assertThat(m.lastIncr("appendonly.aof")).isEqualTo("appendonly.aof.1.incr.aof");
        m.newIncr("appendonly.aof");
        m.newIncr("appendonly.aof");
        m.newBase("appendonly.aof", false);
        m.markRewrittenIncrAsHistory(true);
        assertThat(m.format()).isEqualTo("file appendonly.aof.2.base.aof seq 2 type b\n"
                + "file appendonly.aof.1.incr.aof seq 1 type h\n"
                + "file appendonly.aof.2.incr.aof seq 2 type h\n"
                + "file appendonly.aof.1.base.rdb seq 1 type h\n"
                + "file appendonly.aof.3.incr.aof seq 3 type i\n");
    }

    @Test
    void parsesWhatItFormatsAndQuotesNamesThatNeedIt() throws Exception {
        AofManifest m = new AofManifest();
        m.newBase("my file \"x\"\u0001", true);
        m.newIncr("my file \"x\"\u0001");
        String text = m.format();
        assertThat(text).startsWith("file \"my file \\\"x\\\"\\x01.1.base.rdb\" seq 1 type b\n");
        AofManifest back = parse(text);
        assertThat(back.format()).isEqualTo(text);
        assertThat(back.base().name()).isEqualTo("my file \"x\"\u0001.1.base.rdb");
        assertThat(back.incrSeq).isEqualTo(1);
    }

    @Test
    void acceptsCommentsCaseInsensitiveKeysAndUnknownPairs() throws Exception {
        AofManifest m = parse("# a comment\nFILE a.1.incr.aof SEQ 1 TYPE i future x\n  file a.2.incr.aof seq 2 type i  \r\n");
        assertThat(m.incr()).hasSize(2);
        assertThat(m.incrSeq).isEqualTo(2);
    }

    @Test
    void refusesWhatRedisRefusesWithItsMessages() {
        assertThat(error("")).isEqualTo("Found an empty AOF manifest@0");
        assertThat(error("file a seq 1 type i\n\n")).isEqualTo("Invalid AOF manifest file format@2");
        assertThat(error("file a seq 1\n")).isEqualTo("Invalid AOF manifest file format@1");
        assertThat(error("file a seq 1 type i x\n")).isEqualTo("Invalid AOF manifest file format@1");
        assertThat(error("file a seq 0 type i\n")).isEqualTo("Invalid AOF manifest file format@1");
        assertThat(error("file dir/a seq 1 type i\n")).isEqualTo("File can't be a path, just a filename@1");
        assertThat(error("file a seq 1 type b\nfile b seq 2 type b\n")).isEqualTo("Found duplicate base file information@2");
        assertThat(error("file a seq 2 type i\nfile b seq 2 type i\n")).isEqualTo("Found a non-monotonic sequence number@2");
        assertThat(error("file a seq 1 type x\n")).isEqualTo("Unknown AOF file type@1");
        assertThat(error("file \"a seq 1 type i\n")).isEqualTo("Invalid AOF manifest file format@1");
        assertThat(error("file a seq 1 type i")).isEqualTo("The AOF manifest file contains too long line@1");
        assertThat(error("file " + "a".repeat(1100) + " seq 1 type i\n"))
                .isEqualTo("The AOF manifest file contains too long line@1");
    }

    @Test
    void splitsArgumentsAsSdssplitargs() {
        assertThat(AofManifest.splitArgs("a \"b c\" 'd e' \"\\x41\\n\"").stream()
                .map(b -> new String(b, StandardCharsets.ISO_8859_1)).toList()).containsExactly("a", "b c", "d e", "A\n");
        assertThat(AofManifest.splitArgs("\"a\"b")).isNull();
        assertThatThrownBy(() -> parse("file 'x seq 1 type i\n")).isInstanceOf(AofManifest.FormatError.class);
    }
}
