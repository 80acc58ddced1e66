package dev.tokenmeter.endpoint;

import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.WeightDtype;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.RequestFailure;
import dev.tokenmeter.serving.RequestRecord;
import dev.tokenmeter.serving.ServingLoop;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What the endpoint tests share: a small model, endpoints, and the records of an outcome by request id. */
final class Fixtures {
    static final ModelConfig MODEL = ModelConfig.of("x", 512, 128, 2, 4, 2, 384, 10000.0, null, 1e-5, false, 4096,
            WeightDtype.BF16);

    private Fixtures() {
    }

    static Endpoint endpoint(URI url, double timeoutSeconds) {
        return new Endpoint(url, "m", Endpoint.Api.COMPLETIONS, null, Map.of(), timeoutSeconds, 1, true);
    }

    static Endpoint chat(URI url, double timeoutSeconds) {
        return new Endpoint(url, "m", Endpoint.Api.CHAT, null, Map.of(), timeoutSeconds, 1, false);
    }

    /** {@code n} requests arriving at once, prompt {@code 4 + i}, output {@code output}. */
    static List<Arrival> burst(int n, int output) {
        List<Arrival> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Arrival(i, 0, 4 + i, output));
        }
        return out;
    }

    /** Every record of an outcome, finished and unfinished, by request id. */
    static RequestRecord[] byId(ServingLoop.Outcome o, int n) {
        RequestRecord[] out = new RequestRecord[n];
        for (RequestRecord r : o.finished()) {
            out[r.arrival().id()] = r;
        }
        for (RequestRecord r : o.unfinished()) {
            out[r.arrival().id()] = r;
        }
        return out;
    }

    static RequestFailure.Kind kind(RequestRecord r) {
        return r.failure() == null ? null : r.failure().kind();
    }
}
