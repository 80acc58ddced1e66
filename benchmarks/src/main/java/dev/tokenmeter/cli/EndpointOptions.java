package dev.tokenmeter.cli;

import dev.tokenmeter.endpoint.Endpoint;
import dev.tokenmeter.scenario.serving.ServingSpec;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code serve}'s target: an OpenAI-compatible endpoint instead of the engine in this process, what to send it, and
 * the deployment behind it (for cost). Without {@code --endpoint} the other options are refused.
 */
final class EndpointOptions {
    /** Each {@link Endpoint} field as the options name it, for messages. */
    static final Map<String, String> OPTIONS = Map.of("url", "--endpoint", "servedModel", "--endpoint-model",
            "api", "--api", "apiKeyEnv", "--api-key-env", "headers", "--header", "timeoutSeconds",
            "--request-timeout", "devices", "--devices");

    @Option(names = "--endpoint", paramLabel = "URL",
            description = "Send the requests to this OpenAI-compatible server (http://host:port) instead of the"
                    + " engine in this process; --model then gives the prompts' vocabulary and context.")
    String url;

    @Option(names = "--endpoint-model", paramLabel = "NAME",
            description = "The model name to send; default: the one the server lists at /v1/models.")
    String model;

    @Option(names = "--api", defaultValue = "completions", paramLabel = "completions|chat",
            description = "completions: prompts as token ids, exact lengths; chat: text prompts, lengths from the"
                    + " server's usage. Default: ${DEFAULT-VALUE}.")
    String api;

    @Option(names = "--api-key-env", paramLabel = "VAR",
            description = "The environment variable holding the API key (sent as a bearer token; never recorded).")
    String apiKeyEnv;

    @Option(names = "--header", paramLabel = "'NAME: VALUE'",
            description = "An extra header for every request; may be repeated. Secret-looking values are recorded"
                    + " as (redacted).")
    List<String> headers;

    @Option(names = "--request-timeout", defaultValue = "600", paramLabel = "SECONDS",
            description = "Each request's deadline from its scheduled arrival. Default: ${DEFAULT-VALUE}.")
    double timeoutSeconds;

    @Option(names = "--devices", defaultValue = "1", paramLabel = "N",
            description = "Devices serving the endpoint, for cost per device-hour. Default: ${DEFAULT-VALUE}.")
    int devices;

    @Option(names = "--no-ignore-eos", negatable = false,
            description = "Do not ask the server to ignore end-of-sequence (ignore_eos, min_tokens).")
    boolean noIgnoreEos;

    @Option(names = "--side-by-side",
            description = "Also measure every point on the engine in this process, before the endpoint's.")
    boolean sideBySide;

    /** Sends {@code builder}'s requests to the endpoint, where one is given; refuses its options otherwise. */
    void apply(ServingSpec.Builder builder) {
        if (url == null) {
            if (model != null || apiKeyEnv != null || headers != null || sideBySide) {
                throw new IllegalArgumentException((model != null ? "--endpoint-model" : apiKeyEnv != null
                        ? "--api-key-env" : headers != null ? "--header" : "--side-by-side")
                        + " applies to --endpoint only");
            }
            return;
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--endpoint is not an address: " + e.getMessage());
        }
        builder.endpoint(Args.checked(OPTIONS, () -> new Endpoint(uri, model, Endpoint.Api.of(api), apiKeyEnv,
                headers(), timeoutSeconds, devices, !noIgnoreEos)));
        if (sideBySide) {
            builder.alsoInProcess();
        }
    }

    private Map<String, String> headers() {
        Map<String, String> out = new LinkedHashMap<>();
        if (headers != null) {
            for (String h : headers) {
                int colon = h.indexOf(':');
                if (colon <= 0) {
                    throw new IllegalArgumentException("--header must be 'NAME: VALUE', got '" + h + "'");
                }
                out.put(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
            }
        }
        return out;
    }
}
