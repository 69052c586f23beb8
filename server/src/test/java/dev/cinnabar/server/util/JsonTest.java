package dev.cinnabar.server.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
                "{\"z\":\"s\",\"a\":-2,\"big\":9223372036854775807,\"f\":1.5,\"t\":true,\"n\":null,"
                        + "\"l\":[1,\"x\",[],{}]}"));
        assertThat(o.keySet()).containsExactly("z", "a", "big", "f", "t", "n", "l");
        assertThat(o.get("a")).isEqualTo(-2L);
        assertThat(Json.number(o, "big", 0)).isEqualTo(Long.MAX_VALUE);
        assertThat(o.get("f")).isEqualTo(1.5);
        assertThat(o.get("t")).isEqualTo(true);
        assertThat(o).containsEntry("n", null);
        assertThat(Json.list(o, "l")).containsExactly(1L, "x", List.of(), Map.of());
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
        assertThatThrownBy(() -> read("")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> read("{\"a\":")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> read("[1,")).isInstanceOf(IOException.class);
    }
}
