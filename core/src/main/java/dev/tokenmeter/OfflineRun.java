package dev.tokenmeter;

import dev.tokenmeter.cost.Price;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelConfigs;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.scenario.OfflineBenchmark;
import dev.tokenmeter.scenario.OfflineSpec;
import dev.tokenmeter.scenario.ProgressListener;
import java.util.ArrayList;
import java.util.List;

/**
 * The library's front door for an offline benchmark: a builder with the command line's defaults.
 *
 * <pre>{@code
 * Result r = OfflineRun.builder().model("llama-110m").batchSizes(1, 8).promptLengths(128).outputLengths(32).run();
 * double usdPerQuery = r.points().get(0).cost().usdPerQuery();
 * }</pre>
 */
public final class OfflineRun {
    private ModelConfig model;
    private String backend = "auto";
    private long seed = 42;
    private List<Integer> batchSizes = List.of(1);
    private List<Integer> promptLengths = List.of(64);
    private List<Integer> outputLengths = List.of(32);
    private MeasurementPolicy measurement = MeasurementPolicy.defaults();
    private Price price;
    private int threads;
    private ProgressListener listener = ProgressListener.NONE;

    private OfflineRun() {
    }

    public static OfflineRun builder() {
        return new OfflineRun();
    }

    /** A preset name ("llama-3.1-8b") or the path of a Hugging Face config.json. */
    public OfflineRun model(String presetOrPath) {
        this.model = ModelConfigs.resolve(presetOrPath);
        return this;
    }

    public OfflineRun model(ModelConfig config) {
        this.model = config;
        return this;
    }

    /** "auto" (the default: a usable GPU, else the CPU), "cpu", "cuda". */
    public OfflineRun backend(String name) {
        this.backend = name;
        return this;
    }

    public OfflineRun seed(long value) {
        this.seed = value;
        return this;
    }

    public OfflineRun batchSizes(int... values) {
        this.batchSizes = list(values);
        return this;
    }

    public OfflineRun promptLengths(int... values) {
        this.promptLengths = list(values);
        return this;
    }

    public OfflineRun outputLengths(int... values) {
        this.outputLengths = list(values);
        return this;
    }

    public OfflineRun measurement(MeasurementPolicy policy) {
        this.measurement = policy;
        return this;
    }

    /** The price per device-hour; left unset, the device's preset is used (when one matches). */
    public OfflineRun price(Price value) {
        this.price = value;
        return this;
    }

    /** CPU worker threads; 0 (the default) uses every core. */
    public OfflineRun threads(int value) {
        this.threads = value;
        return this;
    }

    public OfflineRun listener(ProgressListener value) {
        this.listener = value;
        return this;
    }

    /** The validated run spec. */
    public RunSpec spec() {
        if (model == null) {
            throw new IllegalArgumentException("model: give a preset name or a config.json path");
        }
        return new RunSpec(model, backend, seed, new OfflineSpec(batchSizes, promptLengths, outputLengths),
                measurement, price, threads);
    }

    /** Runs the benchmark on the chosen backend and returns its result. */
    public Result run() {
        return OfflineBenchmark.run(spec(), listener);
    }

    private static List<Integer> list(int... values) {
        List<Integer> out = new ArrayList<>();
        for (int v : values) {
            out.add(v);
        }
        return out;
    }
}
