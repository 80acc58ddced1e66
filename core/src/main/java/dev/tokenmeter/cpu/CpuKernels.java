package dev.tokenmeter.cpu;

/**
 * The CPU backend's matrix product and decode attention, split over worker threads exactly as the CPU engine splits
 * them, for microbenchmarks to time (the command line's JMH benchmarks). Its package is exported to tokenmeter's own
 * modules only: this is not library API.
 */
public final class CpuKernels implements AutoCloseable {
    /** The engine's grain for attention: at least 4 (token, head) items per chunk. */
    private static final int ATTENTION_GRAIN = 4;

    private final boolean vector;
    private final MatMul matmul;
    private final Parallel parallel;

    /**
     * @param kernel  "vector" (the Vector API kernels, the engine's choice where the module is present) or "scalar"
     * @param threads worker threads; 0 for every core, as the engine uses by default
     */
    public CpuKernels(String kernel, int threads) {
        switch (kernel) {
            case "vector" -> {
                if (!VectorSupport.available()) {
                    throw new IllegalStateException("the vector kernels need --add-modules jdk.incubator.vector");
                }
                vector = true;
                matmul = new VectorMatMul();
            }
            case "scalar" -> {
                vector = false;
                matmul = new ScalarMatMul();
            }
            default -> throw new IllegalArgumentException("kernel must be vector or scalar, got " + kernel);
        }
        parallel = new Parallel(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
    }

    /** A scratch buffer for one thread of {@link #matmul} with inputs {@code in} wide. */
    public float[] scratch(int in) {
        return new float[matmul.scratchFloats(in)];
    }

    /**
     * y = x·Wᵀ, W in bf16 [out, in], {@code tokens} rows of x at once, split by output rows over the workers.
     *
     * @param scratch each worker thread's scratch buffer ({@link #scratch})
     */
    public void matmul(float[] x, int tokens, int in, short[] w, int out, float[] y, ThreadLocal<float[]> scratch) {
        int align = matmul.rowAlign();
        parallel.forRange(out, align, align, (a, b) -> matmul.rows(x, tokens, in, w, out, y, false, a, b,
                scratch.get()));
    }

    /**
     * One decode token's attention over {@code context} cached positions, every head (one kv head per query head),
     * split by head over the workers.
     *
     * @param scores each worker thread's buffer of {@code context} scores
     */
    public void attendDecode(float[] q, float[] keys, float[] values, int heads, int headDim, int context,
            ThreadLocal<float[]> scores, float[] out) {
        int kvDim = heads * headDim;
        parallel.forRange(heads, ATTENTION_GRAIN, 1, (a, b) -> {
            float[] s = scores.get();
            for (int h = a; h < b; h++) {
                int o = h * headDim;
                if (vector) {
                    VectorAttention.attendHead(q, o, keys, values, kvDim, o, headDim, context, s, out, o);
                } else {
                    CpuOps.attendHead(q, o, keys, values, kvDim, o, headDim, context, s, out, o);
                }
            }
        });
    }

    @Override
    public void close() {
        parallel.close();
    }
}
