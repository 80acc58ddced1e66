package dev.tokenmeter.scenario;

import java.util.ArrayList;
import java.util.List;

/**
 * The offline scenario: static batches, every request of a batch arriving at once with the same prompt length
 * and producing the same number of tokens. One point per (batch, prompt length, output length).
 */
public record OfflineSpec(List<Integer> batchSizes, List<Integer> promptLengths, List<Integer> outputLengths) {
    public OfflineSpec {
        batchSizes = checked("batch size", batchSizes);
        promptLengths = checked("prompt length", promptLengths);
        outputLengths = checked("output length", outputLengths);
    }

    private static List<Integer> checked(String field, List<Integer> values) {
        if (values == null || values.isEmpty()) {
            throw new IllegalArgumentException(field + ": at least one value is needed");
        }
        for (Integer v : values) {
            if (v == null || v < 1) {
                throw new IllegalArgumentException(field + " must be >= 1, got " + v);
            }
        }
        return List.copyOf(values);
    }

    /** The points in run order: batch outermost, then prompt, then output length. */
    public List<Point> points() {
        List<Point> out = new ArrayList<>();
        for (int b : batchSizes) {
            for (int p : promptLengths) {
                for (int g : outputLengths) {
                    out.add(new Point(b, p, g));
                }
            }
        }
        return out;
    }

    public int maxBatch() {
        return batchSizes.stream().mapToInt(Integer::intValue).max().orElseThrow();
    }

    public int maxContext() {
        int p = promptLengths.stream().mapToInt(Integer::intValue).max().orElseThrow();
        int g = outputLengths.stream().mapToInt(Integer::intValue).max().orElseThrow();
        return p + g;
    }

    /** One measured shape. */
    public record Point(int batch, int promptLength, int outputLength) {
    }
}
