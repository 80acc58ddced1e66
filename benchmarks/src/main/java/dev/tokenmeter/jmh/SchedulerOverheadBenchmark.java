package dev.tokenmeter.jmh;

import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelConfigs;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.ContinuousBatcher;
import dev.tokenmeter.serving.SchedulingPolicy;
import dev.tokenmeter.serving.ServingLoop;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What serving costs the host per engine step, apart from the engine: {@code ServingLoop}'s loop and the
 * continuous batcher (admission, KV blocks, chunking the prompts within the step budget, block tables, the
 * step's chunk list, the request records, a clock reading per step), over an engine that computes nothing and
 * answers at once. One call serves {@code requests} requests of {@code prompt} + {@code output} tokens, all in
 * flight together (a closed loop of that concurrency), as {@code tokenmeter serve} would on a GPU: a step budget
 * of 2048 tokens and 16-position KV blocks. The {@code steps} counter gives steps per second, whose inverse is the
 * host's time per step, to set beside a GPU step's (about 32 ms for llama-3.1-8b at 64 sequences on an H100).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xss4m"})
public class SchedulerOverheadBenchmark {
    /** Requests in flight together: the batch of every decode step. */
    @Param({"1", "64"})
    public int requests;

    /** Prompt tokens per request. */
    @Param({"1024"})
    public int prompt;

    /** Output tokens per request. */
    @Param({"128"})
    public int output;

    /** The model whose vocabulary the prompts are drawn from (nothing of it is computed). */
    @Param({"llama-3.1-8b"})
    public String model;

    static final int STEP_TOKENS = 2048;
    static final int BLOCK = 16;

    private Engine engine;
    private ContinuousBatcher.Config config;
    private List<Arrival> arrivals;

    /** Steps served, as JMH's {@code OPERATIONS} counter: reported in steps per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Steps {
        public long steps;

        @Setup(Level.Iteration)
        public void reset() {
            steps = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        int context = prompt + output;
        int blocks = requests * ((context + BLOCK - 1) / BLOCK);
        EngineOptions options = EngineOptions.paged(42, requests, context, BLOCK, blocks);
        engine = new Idle(ModelConfigs.resolve(model), options);
        config = new ContinuousBatcher.Config(STEP_TOKENS, options);
        arrivals = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            arrivals.add(new Arrival(i, 0, prompt, output));
        }
    }

    /** Serves every request to its last token; returns the steps it took (also counted). */
    @Benchmark
    public long serve(Steps counter) {
        ServingLoop.Outcome o = ServingLoop.closedLoop(engine, arrivals, requests, config,
                SchedulingPolicy.FIRST_COME_FIRST_SERVED, ServingLoop.systemClock(), 42, Long.MAX_VALUE, null);
        counter.steps += o.steps();
        return o.steps();
    }

    /** An engine that computes nothing: every sequence's next token is 1, at once. */
    static final class Idle implements Engine {
        private final ModelConfig model;
        private final EngineOptions options;

        Idle(ModelConfig model, EngineOptions options) {
            this.model = model;
            this.options = options;
        }

        @Override
        public ModelConfig model() {
            return model;
        }

        @Override
        public EngineOptions options() {
            return options;
        }

        @Override
        public int kvBytesPerElement() {
            return 2;
        }

        @Override
        public StepResult step(StepBatch batch) {
            int[] next = new int[batch.size()];
            Arrays.fill(next, 1);
            return new StepResult(next, null, 0);
        }

        @Override
        public void close() {
        }
    }
}
