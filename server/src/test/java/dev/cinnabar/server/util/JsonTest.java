package dev.cinnabar.server.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    private static Object read(String json) throws IOException {
        return Json.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void readsObjectsInDocumentOrderWithPlainValues() throws IOException {
        Map<String, Object> o = Json.object(read(
                " {\"z\":\"s\",\"a\":-2,\"big\":9223372036854775807,\"f\":1.5,\"e\":-2E3,\"t\":true,\"n\":null,"
                        + "\n\t\"l\" : [ 1 , \"x\",[],{}]}\r\n"));
        assertThat(o.keySet()).containsExactly("z", "a", "big", "f", "e", "t", "n", "l");
        assertThat(o.get("a")).isEqualTo(-2L);
        assertThat(Json.number(o, "big", 0)).isEqualTo(Long.MAX_VALUE);
        assertThat(o.get("f")).isEqualTo(1.5);
        assertThat(o.get("e")).isEqualTo(-2000.0);
        assertThat(o.get("t")).isEqualTo(true);
        assertThat(o).containsEntry("n", null);
        assertThat(Json.list(o, "l")).containsExactly(1L, "x", List.of(), Map.of());
    }

    @Test
    void readsEscapesAndUnicode() throws IOException {
        assertThat(read("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u20AC\"")).isEqualTo("a\"b\\c/d\b\f\n\r\té€");
        assertThat(read("\"héllo €\"")).isEqualTo("héllo €");
        assertThat(read("[\"\",\"\\u0041\"]")).isEqualTo(List.of("", "A"));
    }

    @Test
    void accessorsHaveDefaultsForAbsentMembers() throws IOException {
        Map<String, Object> o = Json.object(read("{\"n\":null,\"i\":7,\"b\":false}"));
        assertThat(Json.list(o, "missing")).isEmpty();
        assertThat(Json.list(o, "n")).isEmpty();
        assertThat(Json.text(o, "missing")).isNull();
        assertThat(Json.text(o, "i")).isEqualTo("7");
        assertThat(Json.text(o, "b")).isEqualTo("false");
        assertThat(Json.number(o, "missing", 3)).isEqualTo(3);
        assertThat(Json.bool(o, "b", true)).isFalse();
        assertThat(Json.bool(o, "missing", true)).isTrue();
    }

    @Test
    void valuesAreUnmodifiable() throws IOException {
        Map<String, Object> o = Json.object(read("{\"l\":[1]}"));
        assertThatThrownBy(() -> o.put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> Json.list(o, "l").add(2)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void rejectsBrokenDocuments() {
        for (String bad : new String[] {"", "{\"a\":", "[1,", "[1 2]", "{\"a\" 1}", "{a:1}", "\"open", "tru", "nul",
            "[1]x", "-", "1.2.3", "\"\\q\"", "\"\\u12\"", "{\"a\":1,}x", "\"tab\there\""}) {
            assertThatThrownBy(() -> read(bad)).as(bad).isInstanceOf(IOException.class);
        }
    }

    /** The server's own tables read exactly as Jackson's databind reads them. */
    @Test
    void theServersTablesReadAsJacksonReadsThem() throws IOException {
        ObjectMapper om = new ObjectMapper();
        for (String r : new String[] {"/dev/cinnabar/server/command/commands.json",
            "/dev/cinnabar/server/command/commands-extra.json", "/dev/cinnabar/server/command/sentinel-commands.json",
            "/dev/cinnabar/server/config/configs.json"}) {
            byte[] b;
            try (InputStream in = JsonTest.class.getResourceAsStream(r)) {
                b = in.readAllBytes();
            }
            assertThat(Json.read(new ByteArrayInputStream(b))).as(r).isEqualTo(widen(om.readValue(b, Object.class)));
        }
    }

    private static Object widen(Object o) {
        if (o instanceof Map<?, ?> m) {
            Map<Object, Object> w = new LinkedHashMap<>();
            m.forEach((k, v) -> w.put(k, widen(v)));
            return w;
        }
        if (o instanceof List<?> l) {
            List<Object> w = new ArrayList<>();
            l.forEach(v -> w.add(widen(v)));
            return w;
        }
        return o instanceof Integer i ? Long.valueOf(i) : o;
    }
}
