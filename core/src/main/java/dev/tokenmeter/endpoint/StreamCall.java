package dev.tokenmeter.endpoint;

import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.RequestFailure;
import dev.tokenmeter.serving.RequestRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * One request in flight: the body subscriber of its response, and the one place where it ends. Whatever comes
 * first (the stream's end, a failure inside it, the connection's, the deadline, the run's end) ends it, exactly
 * once, under this object's lock; later signals are ignored and the connection is let go. The time of a chunk is
 * when its bytes were handed to the subscriber.
 */
final class StreamCall implements HttpResponse.BodySubscriber<Void> {
    private static final int MAX_ERROR_BODY = 8192;

    private final Arrival arrival;
    private final long arrivalNanos;
    private final long start;
    private final double timeoutSeconds;
    private final Consumer<StreamCall> onEnd;
    private final StreamAccount account;
    private final SseParser parser;
    private final CompletableFuture<Void> body = new CompletableFuture<>();
    private long sentNanos = -1;
    private long now;
    private int status;
    private ByteArrayOutputStream errorBody;
    private Flow.Subscription subscription;
    private Future<?> sending;
    private Future<?> deadline;
    private boolean ended;
    private boolean bodyDone;
    private long endNanos = -1;
    private RequestRecord record;

    /**
     * @param start  the run's origin (System.nanoTime); every time here counts from it
     * @param onEnd  told once, when the request ends with a record (not when the run abandons it)
     */
    StreamCall(Arrival arrival, long arrivalNanos, long start, double timeoutSeconds, boolean chat,
            Consumer<StreamCall> onEnd) {
        this.arrival = arrival;
        this.arrivalNanos = arrivalNanos;
        this.start = start;
        this.timeoutSeconds = timeoutSeconds;
        this.onEnd = onEnd;
        this.account = new StreamAccount(arrival.promptLength(), arrival.outputLength(), chat);
        this.parser = new SseParser(this::event);
    }

    /** The deadline, on the run's clock: its scheduled arrival plus the endpoint's timeout. */
    long deadlineNanos() {
        return arrivalNanos + Math.round(timeoutSeconds * 1e9);
    }

    synchronized void sentAt(long nanos) {
        sentNanos = nanos;
    }

    synchronized void attach(Future<?> sendingFuture, Future<?> deadlineTask) {
        sending = sendingFuture;
        deadline = deadlineTask;
        if (ended) {
            release();
        }
    }

    /** The response's status is known: 200 streams events; anything else is read as an error message. */
    HttpResponse.BodySubscriber<Void> forStatus(int statusCode) {
        synchronized (this) {
            status = statusCode;
            if (statusCode != 200) {
                errorBody = new ByteArrayOutputStream();
            }
        }
        return this;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        synchronized (this) {
            subscription = s;
            if (ended) {
                s.cancel();
                return;
            }
        }
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        long t = System.nanoTime() - start;
        RequestFailure failed = null;
        synchronized (this) {
            if (ended) {
                return;
            }
            now = t;
            for (ByteBuffer b : buffers) {
                if (errorBody != null) {
                    byte[] bytes = new byte[Math.max(0, Math.min(b.remaining(), MAX_ERROR_BODY - errorBody.size()))];
                    b.get(bytes);
                    errorBody.write(bytes, 0, bytes.length);
                    continue;
                }
                try {
                    parser.feed(b);
                } catch (IllegalStateException e) {
                    account.fail(new RequestFailure(RequestFailure.Kind.MALFORMED_STREAM, e.getMessage()));
                }
                if (account.failure() != null) {
                    failed = account.failure();
                    break;
                }
            }
        }
        if (failed != null) {
            end(failed);
        }
    }

    private void event(String data) {
        account.event(data, now);
    }

    @Override
    public void onError(Throwable t) {
        synchronized (this) {
            bodyDone = true;
        }
        body.completeExceptionally(t);
        end(failure(t));
    }

    @Override
    public void onComplete() {
        RequestFailure f;
        synchronized (this) {
            bodyDone = true;
            if (ended) {
                return;
            }
            if (errorBody != null) {
                String text = errorBody.toString(StandardCharsets.UTF_8);
                f = new RequestFailure(RequestFailure.Kind.HTTP_STATUS, "HTTP " + status + ": "
                        + StreamAccount.errorMessage(text));
            } else {
                account.end(parser.midEvent());
                f = account.failure();
            }
        }
        body.complete(null);
        end(f);
    }

    @Override
    public CompletionStage<Void> getBody() {
        return body;
    }

    /** The send failed before a body arrived (refused, reset, no headers in time), or afterwards. */
    void sendFailed(Throwable t) {
        end(failure(t));
    }

    /** The deadline passed. */
    void expire() {
        int tokens;
        synchronized (this) {
            tokens = account.tokens();
        }
        end(new RequestFailure(RequestFailure.Kind.TIMEOUT, "no complete response within " + seconds(timeoutSeconds)
                + " s of its scheduled arrival (" + tokens + " of " + arrival.outputLength() + " tokens)"));
    }

    /**
     * Ends it with {@code failure} (null: it completed) unless it has ended already; the record keeps the tokens
     * received so far.
     */
    void end(RequestFailure failure) {
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            endNanos = Math.max(System.nanoTime() - start, sentNanos);
            account.fail(failure);
            record = build(account.failure());
            release();
        }
        onEnd.accept(this);
    }

    /** The run ended first: the request is unfinished (no failure), with what it had received; null if it had ended. */
    synchronized RequestRecord abandon(long runEnd) {
        if (ended) {
            return null;
        }
        ended = true;
        endNanos = runEnd;
        record = build(null);
        release();
        return record;
    }

    private RequestRecord build(RequestFailure failure) {
        try {
            return RequestRecord.client(arrival, arrivalNanos, sentNanos, account.tokenNanos(), account.chunkTokens(),
                    account.promptTokens(), failure);
        } catch (IllegalArgumentException e) {
            // A record the stream's timing cannot make is still a record: never lose the request.
            return RequestRecord.client(arrival, arrivalNanos, sentNanos, new long[0], new int[0], -1,
                    new RequestFailure(RequestFailure.Kind.MALFORMED_STREAM, "unrecordable stream: " + e.getMessage()));
        }
    }

    /**
     * Lets the connection go where the response is not over: the body's subscription cancelled (HTTP/1.1 closes
     * the connection) and the send too. A response read to its end leaves its connection to the client's pool.
     */
    private void release() {
        if (!bodyDone) {
            if (subscription != null) {
                subscription.cancel();
            }
            if (sending != null) {
                sending.cancel(true);
            }
        }
        if (deadline != null) {
            deadline.cancel(false);
        }
        body.complete(null);
    }

    synchronized RequestRecord record() {
        return record;
    }

    synchronized long endNanos() {
        return endNanos;
    }

    synchronized boolean reconciled() {
        return account.reconciled();
    }

    Arrival arrival() {
        return arrival;
    }

    long arrivalNanos() {
        return arrivalNanos;
    }

    private RequestFailure failure(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c.getClass() == IOException.class && c.getCause() != null
                && c.getMessage() == null) && c.getCause() != null) {
            c = c.getCause();
        }
        int tokens;
        synchronized (this) {
            tokens = account.tokens();
        }
        String after = tokens == 0 ? "" : " after " + tokens + " tokens";
        if (c instanceof HttpTimeoutException) {
            return new RequestFailure(RequestFailure.Kind.TIMEOUT, "no response headers within "
                    + seconds(timeoutSeconds) + " s");
        }
        if (c instanceof ConnectException) {
            return new RequestFailure(RequestFailure.Kind.CONNECTION, "connection refused" + message(c));
        }
        if (c instanceof UnresolvedAddressException) {
            return new RequestFailure(RequestFailure.Kind.CONNECTION, "unknown host");
        }
        return new RequestFailure(RequestFailure.Kind.CONNECTION, "connection closed" + after + message(c));
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? " (" + t.getClass().getSimpleName() + ")" : ": " + StreamAccount.clip(m);
    }

    static String seconds(double s) {
        return s == Math.rint(s) ? String.valueOf((long) s) : String.format(Locale.ROOT, "%.3g", s);
    }
}
