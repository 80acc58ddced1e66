package dev.tokenmeter.fleet;

import dev.tokenmeter.InvalidFieldException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One GPU of a fleet benchmark and its trials: for each measured point k (say "batch 1", "batch 64"), the
 * throughput of each trial, higher is better (output tokens per second).
 *
 * <p>Every rank of a fleet lists the same points in the same order. A rank that lacks a point (its run failed)
 * gives an empty entry, or {@code null}, which is stored as empty: that rank is left out of that point's test.
 * Each trial must be a finite number above 0, since the test works in logarithms.
 *
 * <p>The record holds its own copies of the arrays and hands out copies, so it cannot change after it is made.
 *
 * @param id      the rank's name, as reports print it ("node17/gpu3"); not blank
 * @param samples per point, the throughput of each trial (any unit, the same for every rank of a point)
 */
public record Rank(String id, List<double[]> samples) {
    public Rank {
        Objects.requireNonNull(id, "id");
        if (id.isBlank()) {
            throw new InvalidFieldException("id", "must not be blank");
        }
        if (samples == null) {
            throw new InvalidFieldException("samples", "of rank " + id + " must be a list (one entry per point)");
        }
        List<double[]> copy = new ArrayList<>(samples.size());
        for (int k = 0; k < samples.size(); k++) {
            double[] trials = samples.get(k) == null ? new double[0] : samples.get(k).clone();
            for (double x : trials) {
                if (!(x > 0) || Double.isInfinite(x)) {
                    throw new InvalidFieldException("samples", "of rank " + id + " at point " + k
                            + " must be finite throughputs > 0, got " + x);
                }
            }
            copy.add(trials);
        }
        samples = Collections.unmodifiableList(copy);
    }

    /** A rank with one list of trials per point. */
    public static Rank of(String id, double[]... samples) {
        return new Rank(id, Arrays.asList(samples));
    }

    /** Copies of the trials per point; an empty array where the rank lacks the point. */
    @Override
    public List<double[]> samples() {
        return samples.stream().map(double[]::clone).toList();
    }

    /** How many points the rank reports, measured or not. */
    public int points() {
        return samples.size();
    }

    /** The trials at point {@code k}, not copied: for the test, which only reads them. */
    double[] trials(int k) {
        return samples.get(k);
    }
}
