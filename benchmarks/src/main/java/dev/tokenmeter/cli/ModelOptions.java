package dev.tokenmeter.cli;

import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.model.ModelConfig;
import picocli.CommandLine.Option;

/** What model runs where: the options every measuring command shares ({@code run}, {@code serve}). */
final class ModelOptions {
    /** The model of a bare command: it finishes in about a minute on a 2-core CPU. */
    static final String DEFAULT_MODEL = "llama-110m";
    static final String DEFAULT_SEED = "42";

    @Option(names = "--model", defaultValue = DEFAULT_MODEL, paramLabel = "NAME|FILE",
            description = "Model preset (see 'tokenmeter models') or a Hugging Face config.json (or the model's"
                    + " folder that holds it). Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--dtype", paramLabel = "bf16|fp32", description = "Override the model's weight dtype.")
    String dtype;

    @Option(names = "--backend", defaultValue = Backends.AUTO, paramLabel = "NAME",
            description = "auto (a GPU if usable, else the CPU), cpu, cuda... Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "CPU worker threads; 0 = every core. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--seed", defaultValue = DEFAULT_SEED, paramLabel = "N",
            description = "Seed of the synthetic weights and prompts (and of a serving run's arrivals and lengths)."
                    + " Default: ${DEFAULT-VALUE}.")
    long seed;

    /** The model the options name, its weight dtype overridden where asked. */
    ModelConfig config() {
        return Args.model(model, dtype);
    }
}
