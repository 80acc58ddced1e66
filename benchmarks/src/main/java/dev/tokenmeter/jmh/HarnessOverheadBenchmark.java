package dev.tokenmeter.jmh;

import dev.tokenmeter.checkpoint.SyntheticPrompts;
import dev.tokenmeter.cpu.CpuBackend;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.SequenceChunk;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.metrics.TrialRecord;
import dev.tokenmeter.model.ModelConfigs;
import dev.tokenmeter.scenario.offline.OfflineScenario;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the measuring harness costs per engine step: the offline scenario's trial ({@link OfflineScenario#trial}:
 * a timestamp per step, the step's chunk list, the trial record) against a bare loop of the same engine steps, on
 * the {@code tiny} model at batch 1, where a step is cheapest and so the harness's share largest. The prompt is one
 * token, so every one of the {@value #STEPS} steps is a one-token step; both report microseconds per step, and
 * their difference is the harness's overhead.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xss4m"})
public class HarnessOverheadBenchmark {
    static final int PROMPT = 1;
    static final int STEPS = 64;
    private static final long SEED = 42;

    /** Model preset. */
    @Param({"tiny"})
    public String model;

    /** Worker threads; 0 = every core. */
    @Param({"0"})
    public int threads;

    private CpuBackend backend;
    private Engine engine;
    private int[][] prompts;

    @Setup(Level.Trial)
    public void setUp() {
        backend = new CpuBackend(threads);
        engine = backend.load(ModelConfigs.resolve(model), EngineOptions.of(SEED, 1, PROMPT + STEPS));
        prompts = new int[][] {SyntheticPrompts.prompt(SEED, 0, PROMPT, engine.model().vocab())};
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
        backend.close();
    }

    /** The harness: one offline trial of {@value #STEPS} steps, every step timed and recorded. */
    @Benchmark
    @OperationsPerInvocation(STEPS)
    public TrialRecord harnessTrial() {
        return OfflineScenario.trial(engine, prompts, STEPS);
    }

    /** The same steps with nothing around them but what the engine's interface needs. */
    @Benchmark
    @OperationsPerInvocation(STEPS)
    public int rawSteps() {
        return rawSteps(engine, prompts[0]);
    }

    static int rawSteps(Engine engine, int[] prompt) {
        int next = engine.step(StepBatch.of(List.of(new SequenceChunk(0, 0, prompt)))).nextTokens()[0];
        for (int i = 1; i < STEPS; i++) {
            next = engine.step(StepBatch.of(List.of(new SequenceChunk(0, prompt.length + i - 1, new int[] {next}))))
                    .nextTokens()[0];
        }
        return next;
    }
}
