package dev.tokenmeter.scenario;

import dev.tokenmeter.InvalidFieldException;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelConfigs;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunListener;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ScenarioSpec;
import java.util.Objects;

/**
 * What every scenario's builder shares: the model, the backend, the seed, the threads, the price and the listener.
 * A builder only collects values; the records it makes check them ({@link RunSpec}, the scenario's spec) and name
 * the field at fault.
 *
 * @param <B> the scenario's builder, returned by every setter
 */
public abstract class RunBuilder<B extends RunBuilder<B>> {
    private ModelConfig model;
    private String backend = Backends.AUTO;
    private long seed = 42;
    private int threads;
    private Price price;
    private RunListener listener = RunListener.NONE;

    protected RunBuilder() {
    }

    /** The scenario's spec from the values given; its constructor checks them. */
    protected abstract ScenarioSpec scenario();

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** A preset name ("llama-3.1-8b") or the path of a Hugging Face config.json. */
    public B model(String presetOrPath) {
        this.model = ModelConfigs.resolve(presetOrPath);
        return self();
    }

    public B model(ModelConfig config) {
        this.model = config;
        return self();
    }

    /** "auto" (the default: a usable GPU that runs the model, else the CPU), "cpu", "cuda". */
    public B backend(String name) {
        this.backend = name;
        return self();
    }

    /** Seed of the weights, the prompts and (serving) the arrivals and lengths; default 42. */
    public B seed(long value) {
        this.seed = value;
        return self();
    }

    /** CPU worker threads; 0 (the default) uses every core; more than the cores present are refused. */
    public B threads(int value) {
        this.threads = value;
        return self();
    }

    /** The price per device-hour; null (the default) uses the device's preset, when one matches. */
    public B price(Price value) {
        this.price = value;
        return self();
    }

    public B listener(RunListener value) {
        this.listener = Objects.requireNonNull(value, "listener");
        return self();
    }

    /** Takes the run-wide values of {@code spec} (a result's, to repeat its run); the scenario's are separate. */
    public B from(RunSpec spec) {
        this.model = spec.model();
        this.backend = spec.backend();
        this.seed = spec.seed();
        this.threads = spec.threads();
        this.price = spec.price();
        return self();
    }

    /**
     * The validated run spec, to be run on this machine: its threads are checked against the cores present too
     * ({@link Backends#hostThreads}), before any device is opened.
     */
    public RunSpec spec() {
        if (model == null) {
            throw new InvalidFieldException("model", "is needed: a preset name or a config.json path");
        }
        RunSpec spec = new RunSpec(model, backend, seed, threads, price, scenario());
        Backends.hostThreads(threads);
        return spec;
    }

    /** Runs the benchmark on the chosen backend (see {@link ScenarioRunner}) and returns its result. */
    public Result run() {
        return ScenarioRunner.run(spec(), listener);
    }
}
