package dev.tokenmeter.compare;

import dev.tokenmeter.result.ServingPointResult;
import java.util.Objects;

/**
 * What makes two serving points the same point in two results: how the load was offered (the mode) and the
 * point's label, which names the load: "rate 2.00", "concurrency 8", "trace t.jsonl". A probe of an SLO search,
 * "search 2.00", is named by its offered rate like a point of a sweep, so two searches match on the rates both
 * probed (their first probes, the bracket's ends, always; later ones only while the two bisections agree).
 *
 * @param mode  {@link ServingPointResult#RATE}, {@link ServingPointResult#CONCURRENCY},
 *              {@link ServingPointResult#TRACE} or {@link ServingPointResult#SEARCH}
 * @param label the point's label
 */
public record ServingPointKey(String mode, String label) {
    public ServingPointKey {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(label, "label");
    }

    public static ServingPointKey of(ServingPointResult p) {
        return new ServingPointKey(p.mode(), p.label());
    }

    /**
     * The label, as the serve report names the point; the mode too where the label does not start with it (a
     * label is written by {@code serve} as mode and load, but a file may hold anything).
     */
    @Override
    public String toString() {
        return label.startsWith(mode) ? label : label + " (" + mode + ")";
    }
}
