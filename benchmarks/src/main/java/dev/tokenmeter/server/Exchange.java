package dev.tokenmeter.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.serving.LiveScheduler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One completion request in flight: the scheduler's listener for it, which writes its answer, a server-sent event
 * per token when streaming, one JSON body when not. The scheduler thread calls it and must not block, so writes are
 * asynchronous and one at a time: events that come while one is being written are queued and go out together.
 * A failed write (the client went away) cancels the request, so that its slot and KV blocks are free at once.
 */
final class Exchange implements LiveScheduler.Listener {
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final ObjectMapper mapper;
    private final CompletionRequest request;
    private final Response response;
    private final Callback callback;
    private final String id;
    private final long created;
    private final String model;
    private final Consumer<Exchange> onEnd;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile LiveScheduler.Ticket ticket;
    private volatile boolean cancelWanted;
    private int generated;

    // Guarded by this.
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private boolean writing;
    private boolean lastQueued;

    Exchange(ObjectMapper mapper, CompletionRequest request, Response response, Callback callback, String id,
            long created, String model, Consumer<Exchange> onEnd) {
        this.mapper = mapper;
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.id = id;
        this.created = created;
        this.model = model;
        this.onEnd = onEnd;
        // A stream's headers are set before the request is submitted: the scheduler thread may deliver its first
        // token (and write, committing the headers) before begin() runs. A refused request replaces them.
        if (request.stream()) {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        }
    }

    /** Starts the answer: a stream's headers go out at once, before the first token. */
    void begin(LiveScheduler.Ticket submitted) {
        this.ticket = submitted;
        if (cancelWanted) {
            submitted.cancel();
        }
        if (request.stream()) {
            enqueue(new byte[0], false);
        }
    }

    /** The client went away or the connection failed: the request is withdrawn and the exchange ends. */
    void abort(Throwable why) {
        cancel();
        end(why);
    }

    private void cancel() {
        cancelWanted = true;
        LiveScheduler.Ticket t = ticket;
        if (t != null) {
            t.cancel();
        }
    }

    @Override
    public void onToken(int token, long nanos) {
        generated++;
        if (!request.stream()) {
            return;
        }
        boolean last = generated == request.maxTokens();
        ObjectNode chunk = envelope();
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        if (request.chat()) {
            ObjectNode delta = choice.putObject("delta");
            if (generated == 1) {
                delta.put("role", "assistant");
            }
            delta.put("content", WordTokenizer.render(token));
        } else {
            choice.put("text", WordTokenizer.render(token));
        }
        choice.putNull("logprobs");
        if (last) {
            choice.put("finish_reason", "length");
        } else {
            choice.putNull("finish_reason");
        }
        if (request.continuousUsage()) {
            usage(chunk, generated);
        }
        enqueue(event(chunk), false);
    }

    @Override
    public void onComplete(LiveScheduler.Completion completion) {
        if (request.stream()) {
            if (request.includeUsage()) {
                ObjectNode chunk = envelope();
                chunk.putArray("choices");
                usage(chunk, completion.outputTokens().length);
                enqueue(event(chunk), false);
            }
            enqueue(DONE, true);
            return;
        }
        ObjectNode body = envelope();
        ArrayNode choices = body.putArray("choices");
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        String text = WordTokenizer.render(completion.outputTokens());
        if (request.chat()) {
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", text);
        } else {
            choice.put("text", text);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", "length");
        usage(body, completion.outputTokens().length);
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        enqueue(body.toString().getBytes(StandardCharsets.UTF_8), true);
    }

    @Override
    public void onFailure(String reason) {
        ApiException e = new ApiException(503, "server_error", reason, null, "service_unavailable");
        if (request.stream()) {
            // As vLLM does: the error as an event, then the end of the stream.
            enqueue(event(e.body(mapper)), false);
            enqueue(DONE, true);
        } else {
            response.setStatus(e.status());
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            enqueue(e.json(mapper).getBytes(StandardCharsets.UTF_8), true);
        }
    }

    private ObjectNode envelope() {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", id);
        o.put("object", request.chat() ? (request.stream() ? "chat.completion.chunk" : "chat.completion")
                : "text_completion");
        o.put("created", created);
        o.put("model", model);
        return o;
    }

    private void usage(ObjectNode o, int completionTokens) {
        ObjectNode u = o.putObject("usage");
        u.put("prompt_tokens", request.prompt().length);
        u.put("completion_tokens", completionTokens);
        u.put("total_tokens", request.prompt().length + completionTokens);
    }

    private static byte[] event(ObjectNode json) {
        return ("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    private void enqueue(byte[] bytes, boolean last) {
        synchronized (this) {
            if (lastQueued || ended.get()) {
                return;
            }
            pending.add(bytes);
            lastQueued = last;
        }
        pump();
    }

    /** Writes what is queued, unless a write is under way (its completion writes the rest). */
    private void pump() {
        ByteBuffer buffer;
        boolean last;
        synchronized (this) {
            if (writing || pending.isEmpty() || ended.get()) {
                return;
            }
            int size = 0;
            for (byte[] b : pending) {
                size += b.length;
            }
            buffer = ByteBuffer.allocate(size);
            for (byte[] b : pending) {
                buffer.put(b);
            }
            buffer.flip();
            pending.clear();
            last = lastQueued;
            writing = true;
        }
        response.write(last, buffer, new Callback() {
            @Override
            public void succeeded() {
                synchronized (Exchange.this) {
                    writing = false;
                }
                if (last) {
                    end(null);
                } else {
                    pump();
                }
            }

            @Override
            public void failed(Throwable x) {
                synchronized (Exchange.this) {
                    writing = false;
                }
                abort(x);
            }
        });
    }

    private void end(Throwable failure) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        if (failure == null) {
            callback.succeeded();
        } else {
            callback.failed(failure);
        }
        onEnd.accept(this);
    }
}
