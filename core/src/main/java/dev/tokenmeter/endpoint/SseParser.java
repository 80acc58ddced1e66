package dev.tokenmeter.endpoint;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * An incremental reader of server-sent events: bytes go in as the network delivers them, and each event's data
 * comes out when the blank line that ends it arrives. Lines may split anywhere across buffers (a UTF-8 character
 * included: a line is decoded only once whole); lines end with {@code \n}, {@code \r\n} or {@code \r}; comment
 * lines ({@code :}) and fields other than {@code data} are skipped; several {@code data:} lines of one event join
 * with {@code \n}, as the SSE standard says. Not thread-safe: one stream's bytes arrive in order, from one
 * subscriber.
 */
public final class SseParser {
    private static final int MAX_LINE = 16 << 20;
    private final Consumer<String> events;
    private byte[] line = new byte[256];
    private int length;
    private boolean afterCr;
    private StringBuilder data;

    /** @param events receives each event's data (the joined {@code data:} lines), in order */
    public SseParser(Consumer<String> events) {
        this.events = events;
    }

    /** Feeds the next bytes of the stream; events they complete are handed on before this returns. */
    public void feed(ByteBuffer bytes) {
        while (bytes.hasRemaining()) {
            byte b = bytes.get();
            if (afterCr) {
                afterCr = false;
                if (b == '\n') {
                    continue;
                }
            }
            if (b == '\r' || b == '\n') {
                afterCr = b == '\r';
                endLine();
            } else {
                if (length == line.length) {
                    if (length >= MAX_LINE) {
                        throw new IllegalStateException("a server-sent event line longer than " + MAX_LINE
                                + " bytes");
                    }
                    line = Arrays.copyOf(line, length * 2);
                }
                line[length++] = b;
            }
        }
    }

    /** Feeds a whole text (tests, and bodies read at once). */
    public void feed(String text) {
        feed(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Whether the stream stopped inside an event (data lines without the blank line that ends them, or a partial
     * line): a stream cut short.
     */
    public boolean midEvent() {
        return data != null || length > 0;
    }

    private void endLine() {
        if (length == 0) {
            if (data != null) {
                String d = data.toString();
                data = null;
                events.accept(d);
            }
            return;
        }
        String s = new String(line, 0, length, StandardCharsets.UTF_8);
        length = 0;
        if (s.charAt(0) == ':') {
            return;
        }
        int colon = s.indexOf(':');
        String field = colon < 0 ? s : s.substring(0, colon);
        if (!field.equals("data")) {
            return;
        }
        String value = colon < 0 ? "" : s.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        if (data == null) {
            data = new StringBuilder(value);
        } else {
            data.append('\n').append(value);
        }
    }
}
