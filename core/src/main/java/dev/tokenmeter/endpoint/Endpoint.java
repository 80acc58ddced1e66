package dev.tokenmeter.endpoint;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.util.StdConverter;
import dev.tokenmeter.InvalidFieldException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * An OpenAI-compatible endpoint as a serving target: where it is, what to ask of it, and the deployment behind it
 * (for cost). Checked when made, each bad field named. A result records it without secrets: the API key is read
 * from the environment variable named here and never kept; header values whose names suggest a secret are kept as
 * "(redacted)".
 *
 * @param url            the server's base address, {@code http://host:port} (a trailing {@code /v1} is dropped)
 * @param model          the model name to send; null asks the server's {@code /v1/models} and takes the one it
 *                       serves
 * @param api            which API: text completions with token-id prompts (exact lengths), or chat
 * @param apiKeyEnv      the environment variable holding the API key (sent as a bearer token); null for none
 * @param headers        extra headers sent with every request
 * @param timeoutSeconds each request's deadline, from its scheduled arrival, seconds
 * @param devices        the GPUs (or other devices) behind the endpoint, as the user says: cost is per device-hour
 *                       times these
 * @param ignoreEos      ask the server to ignore end-of-sequence ({@code ignore_eos}, {@code min_tokens}), so that
 *                       every request produces exactly the tokens asked
 */
public record Endpoint(URI url, String model, Api api, String apiKeyEnv,
        @JsonSerialize(converter = Redacted.class) Map<String, String> headers, double timeoutSeconds, int devices,
        boolean ignoreEos) {
    /** Header values hidden in results. */
    public static final String REDACTED = "(redacted)";
    private static final Pattern SECRET = Pattern.compile("(?i).*(auth|key|token|secret|cookie|password).*");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** The OpenAI APIs an endpoint is driven through. */
    public enum Api {
        /** {@code /v1/completions}, prompts sent as token-id arrays: input lengths are exact. */
        COMPLETIONS("/v1/completions"),
        /** {@code /v1/chat/completions}, prompts sent as text: input lengths are the server's {@code usage}. */
        CHAT("/v1/chat/completions");

        private final String path;

        Api(String path) {
            this.path = path;
        }

        /** The request path under the base address. */
        public String path() {
            return path;
        }

        @JsonValue
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static Api of(String label) {
            for (Api a : values()) {
                if (a.label().equalsIgnoreCase(label)) {
                    return a;
                }
            }
            throw new InvalidFieldException("api", "must be completions or chat, got '" + label + "'");
        }
    }

    public Endpoint {
        Objects.requireNonNull(api, "api");
        url = base(url);
        if (model != null && model.isBlank()) {
            throw new InvalidFieldException("servedModel", "must not be blank (leave it out to take the server's"
                    + " own)");
        }
        if (apiKeyEnv != null && !ENV_NAME.matcher(apiKeyEnv).matches()) {
            throw new InvalidFieldException("apiKeyEnv", "must name an environment variable, got '" + apiKeyEnv + "'");
        }
        TreeMap<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) {
            for (Map.Entry<String, String> e : headers.entrySet()) {
                if (e.getKey() == null || !e.getKey().matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                    throw new InvalidFieldException("headers", "'" + e.getKey() + "' is not a header name");
                }
                if (e.getValue() == null || e.getValue().indexOf('\n') >= 0 || e.getValue().indexOf('\r') >= 0) {
                    throw new InvalidFieldException("headers", "the value of " + e.getKey()
                            + " must be one line");
                }
                h.put(e.getKey(), e.getValue());
            }
        }
        headers = Collections.unmodifiableMap(h);
        InvalidFieldException.positive("timeoutSeconds", timeoutSeconds, "s");
        InvalidFieldException.positive("devices", devices);
    }

    /** The address without a trailing slash or {@code /v1}, checked to be http(s) with a host. */
    private static URI base(URI url) {
        if (url == null) {
            throw new InvalidFieldException("url", "is required");
        }
        String s = url.toString();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.endsWith("/v1")) {
            s = s.substring(0, s.length() - 3);
        }
        URI u;
        try {
            u = new URI(s);
        } catch (URISyntaxException e) {
            throw new InvalidFieldException("url", "is not an address: " + e.getMessage());
        }
        if (!"http".equalsIgnoreCase(u.getScheme()) && !"https".equalsIgnoreCase(u.getScheme())) {
            throw new InvalidFieldException("url", "must be http:// or https://, got '" + url + "'");
        }
        if (u.getHost() == null) {
            throw new InvalidFieldException("url", "has no host: '" + url + "'");
        }
        if (u.getQuery() != null || u.getFragment() != null) {
            throw new InvalidFieldException("url", "must be the server's base address, without a query: '" + url
                    + "'");
        }
        return u;
    }

    /** The address of {@code path} ("/v1/models") on this server. */
    public URI resolve(String path) {
        return URI.create(url + path);
    }

    /** Headers as results write them: values of secret-looking names replaced by {@value #REDACTED}. */
    public static final class Redacted extends StdConverter<Map<String, String>, Map<String, String>> {
        @Override
        public Map<String, String> convert(Map<String, String> headers) {
            TreeMap<String, String> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            headers.forEach((k, v) -> out.put(k, SECRET.matcher(k).matches() ? REDACTED : v));
            return out;
        }
    }

    /** This endpoint sending {@code name} as the model. */
    public Endpoint withModel(String name) {
        return new Endpoint(url, name, api, apiKeyEnv, headers, timeoutSeconds, devices, ignoreEos);
    }

    /** As a table or a message names it: "http://host:8000 (completions, model m)". */
    public String describe() {
        return url + " (" + api.label() + (model == null ? "" : ", model " + model) + ")";
    }
}
