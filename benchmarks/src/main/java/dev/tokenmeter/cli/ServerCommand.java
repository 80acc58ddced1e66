package dev.tokenmeter.cli;

import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.BackendProvider;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.scenario.serving.ServingScenario;
import dev.tokenmeter.server.TokenmeterServer;
import dev.tokenmeter.serving.ContinuousBatcher;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmeter server}: the engine behind an OpenAI-compatible HTTP API ({@link TokenmeterServer}), with the
 * continuous batcher {@code serve} measures, configured by the same options. It runs until SIGTERM or Ctrl-C, then
 * stops gracefully: no new request, those in flight get {@code --grace-period} to finish, the rest are ended cleanly.
 * Its one line on stderr once it listens, {@code listening on http://HOST:PORT}, is what scripts wait for.
 */
@Command(name = "server", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Serves the engine over an OpenAI-compatible HTTP API: /v1/completions and"
                + " /v1/chat/completions (streaming or not), /v1/models, /health and a Prometheus /metrics"
                + " (docs/server.md). Continuous batching as in 'serve'; greedy decoding, exactly max_tokens per"
                + " request.",
                "Prints 'listening on http://HOST:PORT' on stderr once it accepts requests; runs until SIGTERM or"
                        + " Ctrl-C."})
final class ServerCommand implements Callable<Integer> {
    /** The context of a server that is given none, where the model allows as much. */
    static final int DEFAULT_MAX_MODEL_LEN = 2048;

    @Spec
    CommandSpec command;

    @Mixin
    BatcherOptions batcher;

    @Mixin
    ModelOptions models;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this host only; 0.0.0.0: every"
                    + " interface).")
    String host;

    @Option(names = "--port", defaultValue = "8000", paramLabel = "N",
            description = "Port to listen on; 0 for any free one (the line on stderr says which). Default:"
                    + " ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--served-model-name", paramLabel = "NAME",
            description = "The model name clients send and /v1/models lists (default: the model's name).")
    String servedModelName;

    @Option(names = "--max-model-len", defaultValue = "0", paramLabel = "N",
            description = "Positions per request, prompt and output together (0, the default: the model's"
                    + " longest, at most " + DEFAULT_MAX_MODEL_LEN + "). Longer requests are refused.")
    int maxModelLen;

    @Option(names = "--grace-period", defaultValue = "30", paramLabel = "SECONDS",
            description = "On SIGTERM or Ctrl-C, how long requests in flight may go on before they are ended"
                    + " (default: ${DEFAULT-VALUE}).")
    double gracePeriod;

    @Override
    public Integer call() throws Exception {
        ModelConfig m = models.config();
        Args.atLeastZero("--threads", models.threads, "every core");
        batcher.check();
        Args.atLeastZero("--max-model-len", maxModelLen, "the model's longest, at most " + DEFAULT_MAX_MODEL_LEN);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in [0, 65535], got " + port);
        }
        if (!(gracePeriod >= 0) || Double.isInfinite(gracePeriod)) {
            throw new IllegalArgumentException("--grace-period must be a finite number of seconds >= 0, got "
                    + gracePeriod);
        }
        int context = maxModelLen > 0 ? maxModelLen : Math.min(m.maxPositions(), DEFAULT_MAX_MODEL_LEN);
        if (context > m.maxPositions()) {
            throw new IllegalArgumentException("--max-model-len " + context + " is beyond " + m.name() + "'s "
                    + m.maxPositions() + " positions");
        }
        long blocks = batcher.kvBlocks > 0 ? batcher.kvBlocks
                : (long) batcher.maxSeqs * ((context + batcher.blockSize - 1) / batcher.blockSize);
        if (blocks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--max-seqs " + batcher.maxSeqs + " at --max-model-len " + context
                    + " need more than 2^31 KV blocks");
        }
        EngineOptions options = EngineOptions.paged(models.seed, batcher.maxSeqs, context, batcher.blockSize,
                (int) blocks);
        new ContinuousBatcher.Config(Math.max(1, batcher.maxBatchTokens), options);  // refuses a cache too small, now
        String name = servedModelName != null ? servedModelName : m.name();
        TokenmeterServer.Options serverOptions = new TokenmeterServer.Options(host, port, name,
                Duration.ofMillis(Math.round(gracePeriod * 1000)));
        BackendProvider provider = Backends.select(models.backend, m);
        PrintWriter err = command.commandLine().getErr();
        CountDownLatch cleaned = new CountDownLatch(1);
        try (Backend backend = provider.open(models.threads); Engine engine = load(backend, m, options)) {
            int stepTokens = batcher.maxBatchTokens > 0 ? batcher.maxBatchTokens : backend.name().equals("cpu")
                    ? ServingScenario.CPU_STEP_TOKENS : ServingScenario.GPU_STEP_TOKENS;
            TokenmeterServer server = TokenmeterServer.start(engine, new ContinuousBatcher.Config(stepTokens,
                    options), serverOptions);
            Thread hook = new Thread(() -> {
                server.stop(serverOptions.grace());
                try {
                    // The JVM ends when the hooks do: the engine is closed first, by the command's thread.
                    cleaned.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "tokenmeter-server-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            err.printf("tokenmeter server: %s on %s, %d sequences, context %d, step budget %d tokens, KV %d blocks"
                    + " of %d%n", name, backend.name(), batcher.maxSeqs, context, stepTokens, blocks,
                    batcher.blockSize);
            err.println("listening on " + server.uri());
            err.flush();
            server.awaitStopped();
        } finally {
            cleaned.countDown();
        }
        return Main.EXIT_OK;
    }

    private Engine load(Backend backend, ModelConfig m, EngineOptions options) {
        try (SlowPhase phase = SlowPhase.start(command.commandLine().getErr(), "loading " + m.name() + " on "
                + backend.name(), SlowPhase.QUIET_NANOS)) {
            return backend.load(m, options);
        }
    }
}
