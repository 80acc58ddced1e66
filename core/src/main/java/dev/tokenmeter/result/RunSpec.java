package dev.tokenmeter.result;

import dev.tokenmeter.InvalidFieldException;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.model.ModelConfig;
import java.util.Objects;

/**
 * Everything that defines a run, so that it can be repeated: the model, where it runs, and the scenario's spec.
 * Checked when made: a field out of range is refused with an {@link InvalidFieldException} naming it, and a
 * scenario whose requests do not fit the model is refused with the figures.
 *
 * @param model    the model's full shape (a preset's or a config file's)
 * @param backend  the backend asked for ("auto", "cpu", "cuda")
 * @param seed     seed of the synthetic weights, the prompts and (serving) the arrivals and lengths
 * @param threads  CPU worker threads, 0 for every core
 * @param price    the price per device-hour the cost figures use; null asks for the device's preset (a result
 *                 records the price its run used)
 * @param scenario what is measured
 */
public record RunSpec(ModelConfig model, String backend, long seed, int threads, Price price,
        ScenarioSpec scenario) {
    public RunSpec {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(scenario, "scenario");
        InvalidFieldException.atLeastZero("threads", threads, "every core");
        scenario.checkFits(model);
    }

    /** This spec measuring {@code other} instead. */
    public RunSpec withScenario(ScenarioSpec other) {
        return new RunSpec(model, backend, seed, threads, price, other);
    }

    /** This spec at {@code other} per device-hour (null: the device's preset). */
    public RunSpec withPrice(Price other) {
        return new RunSpec(model, backend, seed, threads, other, scenario);
    }
}
