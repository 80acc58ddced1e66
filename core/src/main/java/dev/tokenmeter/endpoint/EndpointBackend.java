package dev.tokenmeter.endpoint;

import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.backend.MemoryPlan;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.model.ModelConfig;
import java.util.Map;
import java.util.Objects;

/**
 * Where a run that sends every request to an endpoint "runs": the deployment behind the endpoint, as its user
 * describes it (its devices, for cost). Nothing is loaded or measured here: the server runs its own engine on its
 * own devices, so the device has no measured ceilings and {@link #load} is refused.
 */
public final class EndpointBackend implements Backend {
    /** The backend's name in results. */
    public static final String NAME = "endpoint";

    private final Endpoint endpoint;

    public EndpointBackend(Endpoint endpoint) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DeviceInfo device() {
        return new DeviceInfo(NAME, endpoint.url().toString(), NAME, endpoint.devices(), 0, 0, null, null,
                Map.of("url", endpoint.url().toString(), "api", endpoint.api().label(),
                        "devices", Integer.toString(endpoint.devices()),
                        "model", endpoint.model() == null ? "(the server's)" : endpoint.model()));
    }

    @Override
    public int kvBytesPerElement() {
        throw new UnsupportedOperationException("an endpoint's KV cache is its server's");
    }

    @Override
    public MemoryPlan plan(ModelConfig model, EngineOptions options) {
        throw new UnsupportedOperationException("an endpoint's memory is its server's");
    }

    @Override
    public Engine load(ModelConfig model, EngineOptions options) {
        throw new UnsupportedOperationException("an endpoint runs its own engine: nothing is loaded here");
    }

    @Override
    public void close() {
    }
}
