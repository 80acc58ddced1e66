package dev.tokenmeter.endpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenmeter.serving.RequestFailure;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks an endpoint before any measured load, so that a wrong URL, model or key is one clear line and not a run
 * of failed requests: {@code GET /v1/models} (reachable, an OpenAI-compatible API, the key accepted, the model
 * served, or the only one taken), then one tiny request (a 1-token prompt, 1 output token) through the chosen API,
 * streamed, to prove the stream is one the client reads; and whether {@code GET /metrics} is there. Each problem is
 * an {@link EndpointException} (docs/endpoint-client.md lists the messages).
 */
public final class EndpointProbe {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LIST_TIMEOUT = Duration.ofSeconds(10);

    /**
     * What the endpoint serves.
     *
     * @param endpoint    the endpoint with the model to send named (the one asked, or the only one served)
     * @param maxModelLen the model's context length where {@code /v1/models} gives it, else null
     * @param models      every model the server lists
     * @param metrics     whether {@code GET /metrics} answers Prometheus text
     */
    public record Served(Endpoint endpoint, Integer maxModelLen, List<String> models, boolean metrics) {
        public Served {
            models = List.copyOf(models);
        }

        /** The facts known before any run. */
        public ServerFacts facts() {
            return ServerFacts.modelOnly(endpoint.model(), maxModelLen);
        }
    }

    private EndpointProbe() {
    }

    /**
     * Probes {@code endpoint}, sending {@code apiKey} (null: none).
     *
     * @throws EndpointException one line: usage (bad URL, model, key) or a failed run (unreachable, broken server)
     */
    public static Served probe(Endpoint endpoint, String apiKey) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(LIST_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        String url = endpoint.url().toString();
        HttpResponse<String> listing = get(http, EndpointTarget.requestBuilder(endpoint, apiKey, "/v1/models")
                .timeout(LIST_TIMEOUT).GET().build(), url);
        refusedKey(listing.statusCode(), endpoint, apiKey, "GET /v1/models");
        String said = "GET /v1/models answered ";
        if (listing.statusCode() >= 500) {
            throw new EndpointException(false, url + " failed: " + said + "HTTP " + listing.statusCode() + ": "
                    + StreamAccount.errorMessage(listing.body()));
        }
        if (listing.statusCode() != 200) {
            throw notOpenAi(url, said + "HTTP " + listing.statusCode() + ": "
                    + StreamAccount.errorMessage(listing.body()));
        }
        JsonNode data;
        try {
            JsonNode root = JSON.readTree(listing.body());
            data = root == null ? null : root.get("data");
        } catch (JsonProcessingException e) {
            throw notOpenAi(url, said + "text that is not JSON: " + StreamAccount.clip(listing.body()));
        }
        if (data == null || !data.isArray()) {
            throw notOpenAi(url, said + "JSON without a \"data\" list");
        }
        List<String> models = new ArrayList<>();
        for (JsonNode m : data) {
            if (m.hasNonNull("id")) {
                models.add(m.get("id").asText());
            }
        }
        String model = endpoint.model();
        if (model == null) {
            if (models.isEmpty()) {
                throw new EndpointException(false, url + " serves no model (GET /v1/models listed none)");
            }
            if (models.size() > 1) {
                throw new EndpointException(true, url + " serves several models; choose one: "
                        + String.join(", ", models));
            }
            model = models.get(0);
        } else if (!models.contains(model)) {
            throw new EndpointException(true, "model '" + model + "' is not served here; it serves: "
                    + (models.isEmpty() ? "(none)" : String.join(", ", models)));
        }
        Integer maxLen = null;
        for (JsonNode m : data) {
            if (model.equals(m.path("id").asText()) && m.path("max_model_len").isIntegralNumber()) {
                maxLen = m.get("max_model_len").asInt();
            }
        }
        Endpoint chosen = endpoint.withModel(model);
        tinyRequest(http, chosen, apiKey);
        return new Served(chosen, maxLen, models, metrics(http, chosen, apiKey));
    }

    /** One streamed request of a 1-token prompt and 1 output token, read as a run reads it. */
    private static void tinyRequest(HttpClient http, Endpoint endpoint, String apiKey) {
        String url = endpoint.url().toString();
        String path = endpoint.api().path();
        int[] prompt = {1};
        byte[] body = endpoint.api() == Endpoint.Api.CHAT
                ? RequestBodies.chat(endpoint.model(), prompt, 1, endpoint.ignoreEos())
                : RequestBodies.completions(endpoint.model(), prompt, 1, endpoint.ignoreEos());
        HttpRequest.Builder b = EndpointTarget.requestBuilder(endpoint, apiKey, path)
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .timeout(Duration.ofMillis(Math.max(1, Math.round(endpoint.timeoutSeconds() * 1000))))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        HttpResponse<String> r = get(http, b.build(), url);
        refusedKey(r.statusCode(), endpoint, apiKey, "POST " + path);
        String test = url + " failed a 1-token test request through " + path + ": ";
        if (r.statusCode() == 404) {
            throw new EndpointException(true, url + " has no " + path + " (HTTP 404: "
                    + StreamAccount.errorMessage(r.body()) + ")");
        }
        if (r.statusCode() != 200) {
            throw new EndpointException(false, test + "HTTP " + r.statusCode() + ": "
                    + StreamAccount.errorMessage(r.body()));
        }
        StreamAccount account = new StreamAccount(1, 1, endpoint.api() == Endpoint.Api.CHAT);
        SseParser parser = new SseParser(data -> account.event(data, 0));
        parser.feed(r.body());
        account.end(parser.midEvent());
        RequestFailure f = account.failure();
        if (f != null && f.kind() != RequestFailure.Kind.SHORT_OUTPUT && f.kind() != RequestFailure.Kind.LONG_OUTPUT) {
            throw new EndpointException(false, test + f);
        }
    }

    private static boolean metrics(HttpClient http, Endpoint endpoint, String apiKey) {
        try {
            HttpResponse<String> r = http.send(EndpointTarget.requestBuilder(endpoint, apiKey, "/metrics")
                    .timeout(LIST_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && !PrometheusText.parse(r.body()).samples().isEmpty();
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static HttpResponse<String> get(HttpClient http, HttpRequest request, String url) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new EndpointException(false, "cannot reach " + url + ": connection refused");
        } catch (HttpTimeoutException e) {
            throw new EndpointException(false, "cannot reach " + url + ": no answer within "
                    + StreamCall.seconds(request.timeout().orElse(LIST_TIMEOUT).toMillis() / 1000.0) + " s");
        } catch (IOException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            String why = c instanceof UnresolvedAddressException ? "unknown host " + URI.create(url).getHost()
                    : c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
            throw new EndpointException(false, "cannot reach " + url + ": " + why);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EndpointException(false, "interrupted while probing " + url);
        }
    }

    private static void refusedKey(int status, Endpoint endpoint, String apiKey, String what) {
        if (status != 401 && status != 403) {
            return;
        }
        if (apiKey == null) {
            throw new EndpointException(true, "the server asks for an API key (" + what + " answered HTTP " + status
                    + "): name the environment variable that holds it");
        }
        throw new EndpointException(true, "the server refused the API key (HTTP " + status
                + (endpoint.apiKeyEnv() == null ? "" : "; set $" + endpoint.apiKeyEnv()) + ")");
    }

    private static EndpointException notOpenAi(String url, String answered) {
        return new EndpointException(true, url + " is not an OpenAI-compatible API (" + answered + ")");
    }
}
