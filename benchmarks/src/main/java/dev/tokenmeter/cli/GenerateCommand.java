package dev.tokenmeter.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.BackendProvider;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.GreedyGeneration;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.result.ResultJson;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmeter generate}: greedy decoding of the synthetic prompts, printed as one JSON object on stdout,
 * for comparing backends with each other and with independent implementations (DESIGN's conformance tokens).
 */
@Command(name = "generate", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        sortOptions = false, defaultValueProvider = GenerateCommand.Defaults.class,
        description = {"Greedy-decodes the synthetic prompts and prints the tokens as JSON.",
                "Stdout holds one JSON object: {\"model\", \"dtype\", \"backend\", \"seed\", \"prompt_len\","
                        + " \"gen\", \"requests\": [{\"request\", \"prompt\", \"generated\", \"final_logits\"}]};"
                        + " final_logits are the full-vocabulary logits that chose the last generated token."})
final class GenerateCommand implements Callable<Integer> {
    /** generate's model where none is given: the tiny preset, whose tokens DESIGN lists for conformance. */
    static final String DEFAULT_MODEL = "tiny";

    /** Gives the shared --model option this command's default. */
    static final class Defaults implements IDefaultValueProvider {
        @Override
        public String defaultValue(ArgSpec arg) {
            return arg instanceof OptionSpec o && o.longestName().equals("--model") ? DEFAULT_MODEL : null;
        }
    }

    @Spec
    CommandSpec command;

    @Mixin
    ModelOptions models;

    @Option(names = "--prompt-len", defaultValue = "8", paramLabel = "N",
            description = "Prompt length in tokens. Default: ${DEFAULT-VALUE}.")
    int promptLength;

    @Option(names = {"--gen", "--output-len"}, defaultValue = "8", paramLabel = "N",
            description = "Tokens to generate per request. Default: ${DEFAULT-VALUE}.")
    int outputLength;

    @Option(names = "--requests", defaultValue = "2", paramLabel = "N",
            description = "Requests 0 .. N-1, decoded as one batch. Default: ${DEFAULT-VALUE}.")
    int requests;

    @Override
    public Integer call() throws JsonProcessingException {
        ModelConfig m = models.config();
        long seed = models.seed;
        Args.positive("--prompt-len", promptLength);
        Args.positive("--gen", outputLength);
        Args.positive("--requests", requests);
        Args.atLeastZero("--threads", models.threads, "every core");
        m.checkSequenceLength(promptLength, outputLength);
        EngineOptions options = EngineOptions.of(seed, requests, promptLength + outputLength);

        BackendProvider provider = Backends.select(models.backend, m);
        List<GreedyGeneration.Output> outputs;
        String backendName;
        try (Backend opened = provider.open(models.threads); Engine engine = load(opened, m, options)) {
            backendName = opened.name();
            outputs = GreedyGeneration.run(engine, seed, requests, promptLength, outputLength);
        }

        ObjectNode root = ResultJson.mapper().createObjectNode();
        root.put("model", m.name());
        root.put("dtype", m.weightDtype().label());
        root.put("backend", backendName);
        root.put("seed", seed);
        root.put("prompt_len", promptLength);
        root.put("gen", outputLength);
        ArrayNode list = root.putArray("requests");
        for (GreedyGeneration.Output o : outputs) {
            ObjectNode r = list.addObject();
            r.put("request", o.request());
            ArrayNode prompt = r.putArray("prompt");
            for (int t : o.prompt()) {
                prompt.add(t);
            }
            ArrayNode generated = r.putArray("generated");
            for (int t : o.generated()) {
                generated.add(t);
            }
            ArrayNode logits = r.putArray("final_logits");
            for (float f : o.finalLogits()) {
                logits.add(f);
            }
        }
        // One line: a script reads stdout as a single JSON document.
        PrintWriter out = command.commandLine().getOut();
        out.println(ResultJson.mapper().writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root));
        out.flush();
        return Main.EXIT_OK;
    }

    /** The engine, its load shown on stderr where it takes long (a 3B model's weights take tens of seconds). */
    private Engine load(Backend backend, ModelConfig m, EngineOptions options) {
        try (SlowPhase phase = SlowPhase.start(command.commandLine().getErr(), "loading " + m.name() + " on "
                + backend.name(), SlowPhase.QUIET_NANOS)) {
            return backend.load(m, options);
        }
    }
}
