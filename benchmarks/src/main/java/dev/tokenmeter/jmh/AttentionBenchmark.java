package dev.tokenmeter.jmh;

import dev.tokenmeter.cpu.CpuKernels;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Attention of one decode token over a KV cache of {@code context} positions, every query head, spread over the worker
 * threads by head as the CPU engine does ({@link CpuKernels#attendDecode}). The default shape is llama-110m's: 12 heads
 * of 64, one kv head per query head. FLOPs count q·k and p·v (2·headDim each per position and head), as the roofline
 * does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xss4m"})
public class AttentionBenchmark {
    @Param({"12"})
    public int heads;

    @Param({"64"})
    public int headDim;

    /** Positions in the KV cache the token attends to (its own included). */
    @Param({"128", "1024"})
    public int context;

    /** vector (the Vector API kernel) or scalar (the plain Java one). */
    @Param({"vector", "scalar"})
    public String kernel;

    /** Worker threads; 0 = every core. */
    @Param({"0"})
    public int threads;

    /** One head's attention: the signature of {@link CpuOps#attendHead} and {@link VectorAttention#attendHead}. */
    private int kvDim;
    private float[] q;
    private float[] keys;
    private float[] values;
    private float[] out;
    private CpuKernels kernels;
    private ThreadLocal<float[]> scores;

    @Setup(Level.Trial)
    public void setUp() {
        kvDim = heads * headDim;
        kernels = new CpuKernels(kernel, threads);
        SplittableRandom random = new SplittableRandom(42);
        q = fill(random, kvDim);
        keys = fill(random, context * kvDim);
        values = fill(random, context * kvDim);
        out = new float[kvDim];
        scores = ThreadLocal.withInitial(() -> new float[context]);
    }

    private static float[] fill(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextDouble(-1, 1);
        }
        return a;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernels.close();
    }

    @Benchmark
    public float[] decodeToken(Work work) {
        kernels.attendDecode(q, keys, values, heads, headDim, context, scores, out);
        long flops = 4L * heads * headDim * context;
        // Keys and values once each, the query in, the output out.
        long bytes = 2L * context * kvDim * Float.BYTES + 2L * heads * headDim * Float.BYTES;
        work.add(flops, bytes);
        return out;
    }
}
