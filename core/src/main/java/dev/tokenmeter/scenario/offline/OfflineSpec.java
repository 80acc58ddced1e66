package dev.tokenmeter.scenario.offline;

import com.fasterxml.jackson.annotation.JsonTypeName;
import dev.tokenmeter.InvalidFieldException;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.result.ScenarioSpec;
import dev.tokenmeter.scenario.RunBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The offline scenario: static batches, every request of a batch arriving at once with the same prompt length
 * and producing the same number of tokens. One point per (batch, prompt length, output length), each measured in
 * trials as {@code measurement} says.
 *
 * @param batchSizes    requests per batch, each >= 1
 * @param promptLengths prompt tokens, each >= 1
 * @param outputLengths output tokens, each >= 1
 * @param measurement   warm-up, trial counts, time budget and precision target of every point
 */
@JsonTypeName(OfflineScenario.NAME)
public record OfflineSpec(List<Integer> batchSizes, List<Integer> promptLengths, List<Integer> outputLengths,
        MeasurementPolicy measurement) implements ScenarioSpec {
    public OfflineSpec {
        batchSizes = checked("batchSizes", batchSizes);
        promptLengths = checked("promptLengths", promptLengths);
        outputLengths = checked("outputLengths", outputLengths);
        if (measurement == null) {
            throw new InvalidFieldException("measurement", "is needed (MeasurementPolicy.defaults(), say)");
        }
    }

    private static List<Integer> checked(String field, List<Integer> values) {
        if (values == null || values.isEmpty()) {
            throw new InvalidFieldException(field, "needs at least one value");
        }
        for (Integer v : values) {
            if (v == null || v < 1) {
                throw new InvalidFieldException(field, "must be >= 1, got " + v);
            }
        }
        return List.copyOf(values);
    }

    @Override
    public OfflineScenario type() {
        return OfflineScenario.TYPE;
    }

    @Override
    public void checkFits(ModelConfig model) {
        for (int p : promptLengths) {
            for (int g : outputLengths) {
                model.checkSequenceLength(p, g);
            }
        }
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
        /** "batch 4, prompt 32, output 16": how reports and notices name the point. */
        public String label() {
            return OfflinePoint.label(batch, promptLength, outputLength);
        }
    }

    /**
     * Builds an offline run: batch 1, prompt 64, output 32 and {@link MeasurementPolicy#defaults()} unless told
     * otherwise, on the model it is given (there is no default model). Every value is checked by the records it
     * builds.
     *
     * <pre>{@code
     * Result r = Benchmark.offline().model("llama-110m").batchSizes(1, 8).promptLengths(128).outputLengths(32).run();
     * double usdPerQuery = r.points(OfflinePoint.class).get(0).cost().usdPerQuery();
     * }</pre>
     */
    public static final class Builder extends RunBuilder<Builder> {
        private List<Integer> batchSizes = List.of(1);
        private List<Integer> promptLengths = List.of(64);
        private List<Integer> outputLengths = List.of(32);
        private MeasurementPolicy measurement = MeasurementPolicy.defaults();

        public Builder() {
        }

        /** A builder holding {@code spec}'s values, to change some of them. */
        public Builder(OfflineSpec spec) {
            this.batchSizes = spec.batchSizes();
            this.promptLengths = spec.promptLengths();
            this.outputLengths = spec.outputLengths();
            this.measurement = spec.measurement();
        }

        public Builder batchSizes(int... values) {
            return batchSizes(list(values));
        }

        public Builder batchSizes(List<Integer> values) {
            this.batchSizes = values;
            return this;
        }

        public Builder promptLengths(int... values) {
            return promptLengths(list(values));
        }

        public Builder promptLengths(List<Integer> values) {
            this.promptLengths = values;
            return this;
        }

        public Builder outputLengths(int... values) {
            return outputLengths(list(values));
        }

        public Builder outputLengths(List<Integer> values) {
            this.outputLengths = values;
            return this;
        }

        public Builder measurement(MeasurementPolicy policy) {
            this.measurement = Objects.requireNonNull(policy, "measurement");
            return this;
        }

        @Override
        protected OfflineSpec scenario() {
            return new OfflineSpec(batchSizes, promptLengths, outputLengths, measurement);
        }

        private static List<Integer> list(int... values) {
            List<Integer> out = new ArrayList<>();
            for (int v : values) {
                out.add(v);
            }
            return out;
        }
    }
}
