package dev.tokenmeter.scenario.serving;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.tokenmeter.endpoint.Endpoint;
import java.util.Objects;

/**
 * What a serving point's requests are sent to: tokenmeter's engine in this process, or a server behind an
 * OpenAI-compatible endpoint. A spec names one target, or both for a side-by-side run, in which every point is
 * measured on each, one after the other, so that one result shows what the HTTP layer costs. In JSON by its
 * {@code "kind"}: "in-process" or "endpoint".
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "kind")
@JsonSubTypes({@JsonSubTypes.Type(value = TargetSpec.InProcess.class, name = TargetSpec.IN_PROCESS),
        @JsonSubTypes.Type(value = TargetSpec.OfEndpoint.class, name = TargetSpec.ENDPOINT)})
public sealed interface TargetSpec {
    /** The in-process target's name. */
    String IN_PROCESS = "in-process";
    /** The endpoint target's name. */
    String ENDPOINT = "endpoint";

    /** The target's name as point labels and tables show it: "in-process", "endpoint". */
    String label();

    /** The devices serving it, for cost: 1 in this process, the endpoint's deployment as its user gave it. */
    int devices();

    /** In a line: "in-process", "endpoint http://host:8000 (completions, model m)". */
    String describe();

    /** tokenmeter's engine in this process, on the run's backend. */
    record InProcess() implements TargetSpec {
        @Override
        public String label() {
            return IN_PROCESS;
        }

        @Override
        public int devices() {
            return 1;
        }

        @Override
        public String describe() {
            return IN_PROCESS;
        }
    }

    /** A server behind an OpenAI-compatible endpoint. */
    record OfEndpoint(Endpoint endpoint) implements TargetSpec {
        public OfEndpoint {
            Objects.requireNonNull(endpoint, "endpoint");
        }

        @Override
        public String label() {
            return ENDPOINT;
        }

        @Override
        public int devices() {
            return endpoint.devices();
        }

        @Override
        public String describe() {
            return ENDPOINT + " " + endpoint.describe();
        }
    }
}
