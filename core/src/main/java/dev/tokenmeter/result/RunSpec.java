package dev.tokenmeter.result;

import dev.tokenmeter.cost.Price;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.scenario.OfflineSpec;
import java.util.Objects;

/**
 * Everything that defines a run, so that it can be repeated.
 *
 * @param model       the model's full shape (a preset's or a config file's)
 * @param backend     the backend asked for ("auto", "cpu", "cuda")
 * @param seed        synthetic checkpoint and prompt seed
 * @param offline     the offline scenario's points; null for a serving run
 * @param measurement warm-up, trial counts and time budget of the offline scenario; null for a serving run
 * @param price       the price per device-hour the cost figures use, or null to pick the device's preset
 * @param threads     CPU worker threads, 0 for every core
 * @param serving     the serving scenario's definition; null for an offline run
 */
public record RunSpec(ModelConfig model, String backend, long seed, OfflineSpec offline,
        MeasurementPolicy measurement, Price price, int threads, ServingSpec serving) {
    /** An offline run's spec. */
    public RunSpec(ModelConfig model, String backend, long seed, OfflineSpec offline, MeasurementPolicy measurement,
            Price price, int threads) {
        this(model, backend, seed, offline, measurement, price, threads, null);
    }

    /** A serving run's spec. */
    public static RunSpec serving(ModelConfig model, String backend, long seed, Price price, int threads,
            ServingSpec serving) {
        return new RunSpec(model, backend, seed, null, null, price, threads, Objects.requireNonNull(serving,
                "serving"));
    }

    public RunSpec {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(backend, "backend");
        if ((offline == null) == (serving == null)) {
            throw new IllegalArgumentException("a run spec defines either the offline scenario or the serving one");
        }
        if (offline != null) {
            Objects.requireNonNull(measurement, "measurement");
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0 = all cores), got " + threads);
        }
        if (offline != null) {
            for (int p : offline.promptLengths()) {
                for (int g : offline.outputLengths()) {
                    model.checkSequenceLength(p, g);
                }
            }
        }
    }
}
