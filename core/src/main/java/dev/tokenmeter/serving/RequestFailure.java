package dev.tokenmeter.serving;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Objects;

/**
 * Why a request failed: what went wrong, and the words that say it ("HTTP 429: rate limit exceeded", "no data for
 * 30 s after 12 tokens"). A failed request counts in its point's error rate, never in its latencies or goodput;
 * nothing is retried.
 *
 * @param kind   the class of failure
 * @param detail one line, as the client saw it
 */
public record RequestFailure(Kind kind, String detail) {
    /** The classes of failure a request can meet. */
    public enum Kind {
        /** The request's deadline passed before it completed. */
        TIMEOUT,
        /** The connection was refused, reset or closed before the response ended. */
        CONNECTION,
        /** The server answered with an HTTP status other than 200 (429 and 503 among them). */
        HTTP_STATUS,
        /** The response was not the stream the API defines (bad JSON, bad server-sent events, no end). */
        MALFORMED_STREAM,
        /** The response ended with fewer output tokens than asked for. */
        SHORT_OUTPUT,
        /** The server sent more output tokens than asked for (it ignored {@code max_tokens}). */
        LONG_OUTPUT,
        /** The server answered with an error object inside the stream. */
        SERVER_ERROR;

        /** The kind as files and tables name it: "http-status". */
        @JsonValue
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        @JsonCreator
        public static Kind of(String label) {
            return valueOf(label.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    public RequestFailure {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
        return kind.label() + ": " + detail;
    }
}
