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
 * @param offline     the offline scenario's points
 * @param measurement warm-up, trial counts and time budget
 * @param price       the price per device-hour the cost figures use, or null to pick the device's preset
 * @param threads     CPU worker threads, 0 for every core
 */
public record RunSpec(ModelConfig model, String backend, long seed, OfflineSpec offline,
        MeasurementPolicy measurement, Price price, int threads) {
    public RunSpec {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(offline, "offline");
        Objects.requireNonNull(measurement, "measurement");
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0 = all cores), got " + threads);
        }
        for (int p : offline.promptLengths()) {
            for (int g : offline.outputLengths()) {
                model.checkSequenceLength(p, g);
            }
        }
    }
}
