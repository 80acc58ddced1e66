package dev.tokenmeter.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {
    private static final String STREAM = ": a comment\r\n"
            + "data: {\"a\":1}\r\n\r\n"
            + "event: message\n"
            + "id: 7\n"
            + "data:first line\n"
            + "data: second line é\n"
            + "\n"
            + "data: [DONE]\r\r";

    @Test
    void eventsComeOutWhateverTheSplitOfTheBytes() {
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        List<String> whole = events(bytes, bytes.length);
        assertEquals(List.of("{\"a\":1}", "first line\nsecond line é", "[DONE]"), whole);
        for (int size = 1; size < 9; size++) {
            assertEquals(whole, events(bytes, size), "split every " + size + " bytes");
        }
    }

    @Test
    void aStreamCutInsideAnEventIsSeen() {
        List<String> out = new ArrayList<>();
        SseParser p = new SseParser(out::add);
        p.feed("data: {\"a\":1}\n\n");
        assertFalse(p.midEvent());
        p.feed("data: {\"b\"");
        assertTrue(p.midEvent());
        p.feed(":2}\n");
        assertTrue(p.midEvent(), "data without the blank line that ends its event");
        assertEquals(List.of("{\"a\":1}"), out);
        p.feed("\n");
        assertEquals(List.of("{\"a\":1}", "{\"b\":2}"), out);
    }

    @Test
    void aDataLineWithoutAColonIsAnEmptyLine() {
        List<String> out = new ArrayList<>();
        SseParser p = new SseParser(out::add);
        p.feed("data\ndata: x\n\n");
        assertEquals(List.of("\nx"), out);
    }

    private static List<String> events(byte[] bytes, int size) {
        List<String> out = new ArrayList<>();
        SseParser p = new SseParser(out::add);
        for (int at = 0; at < bytes.length; at += size) {
            p.feed(ByteBuffer.wrap(bytes, at, Math.min(size, bytes.length - at)));
        }
        return out;
    }
}
