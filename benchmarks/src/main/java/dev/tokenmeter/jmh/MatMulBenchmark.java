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
 * The CPU engine's matrix product, y = x·Wᵀ with W in bf16 [out, in], split over the worker threads by output rows
 * exactly as the CPU engine does ({@link CpuKernels#matmul}). {@code tokens = 1} is the matrix-vector product of a
 * decode step at batch 1; 8 and 64 are matrix-matrix products (a decode batch, a prefill chunk). The shapes are
 * llama-110m's: hidden → the fused q|k|v (768 → 2304), hidden → the fused gate|up (768 → 4096) and ffn → hidden
 * (2048 → 768).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xss4m"})
public class MatMulBenchmark {
    /** The weights' input width and output width, "in x out". */
    @Param({"768x2304", "768x4096", "2048x768"})
    public String shape;

    /** Tokens multiplied by the same weights at once. */
    @Param({"1", "8", "64"})
    public int tokens;

    /** vector (the Vector API kernel, the engine's choice where the module is present) or scalar. */
    @Param({"vector", "scalar"})
    public String kernel;

    /** Worker threads; 0 = every core, as the engine uses by default. */
    @Param({"0"})
    public int threads;

    private int in;
    private int out;
    private short[] weights;
    private float[] x;
    private float[] y;
    private CpuKernels kernels;
    private ThreadLocal<float[]> scratch;

    @Setup(Level.Trial)
    public void setUp() {
        String[] dims = shape.split("x");
        if (dims.length != 2) {
            throw new IllegalArgumentException("shape must be IN x OUT, such as 768x2304, got " + shape);
        }
        in = Integer.parseInt(dims[0].trim());
        out = Integer.parseInt(dims[1].trim());
        kernels = new CpuKernels(kernel, threads);
        // Seeded values in the weights' usual range; a product's speed does not depend on them (no denormals).
        SplittableRandom random = new SplittableRandom(42);
        weights = new short[in * out];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (short) (Float.floatToRawIntBits((float) random.nextDouble(-0.05, 0.05)) >>> 16);
        }
        x = new float[tokens * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        y = new float[tokens * out];
        scratch = ThreadLocal.withInitial(() -> kernels.scratch(in));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernels.close();
    }

    @Benchmark
    public float[] product(Work work) {
        kernels.matmul(x, tokens, in, weights, out, y, scratch);
        // The weights once (bf16), the activations in and the products out (fp32).
        work.add(2L * tokens * in * out, 2L * in * out + (long) Float.BYTES * tokens * (in + out));
        return y;
    }
}
