package dev.tokenmeter.scenario.serving;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a serving run offers its load; in JSON by its lower-case name ("rate"). */
public enum ServingMode {
    /** Open loop, one point per rate: requests arrive at random (Poisson, or gamma) whatever the engine does. */
    RATE,
    /** Closed loop, one point per concurrency: a new request as each one finishes. */
    CONCURRENCY,
    /** Arrivals and lengths replayed from a trace. */
    TRACE,
    /** The highest Poisson rate meeting the SLOs, by bisection on measured points. */
    SEARCH;

    /** "rate", "concurrency", "trace", "search": how labels and JSON name it. */
    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static ServingMode of(String label) {
        for (ServingMode m : values()) {
            if (m.label().equalsIgnoreCase(label)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown serving mode '" + label + "'; known: rate, concurrency, trace,"
                + " search");
    }
}
