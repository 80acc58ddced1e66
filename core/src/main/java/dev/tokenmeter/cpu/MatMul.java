package dev.tokenmeter.cpu;

/**
 * y = x · Wᵀ for a batch of tokens, with W stored as bf16 [out, in] (row-major) and x, y in fp32:
 * {@code y[t·out + o] (+)= Σ_i x[t·in + i] · W[o·in + i]}. Implementations differ only in how they use the CPU's
 * vector units; each is checked against a plain scalar loop in tests.
 */
interface MatMul {
    /**
     * Computes rows {@code [rowFrom, rowTo)} of the output for every token. {@code scratch} holds at least
     * {@link #scratchFloats(int)} floats and belongs to the calling thread.
     *
     * @param accumulate add to {@code y} (a residual connection) instead of overwriting it
     */
    void rows(float[] x, int tokens, int in, short[] w, int out, float[] y, boolean accumulate, int rowFrom,
            int rowTo, float[] scratch);

    /** Scratch floats a thread needs for inputs of width {@code in}. */
    int scratchFloats(int in);

    /** Rows a chunk of work should be a multiple of. */
    int rowAlign();

    /** A short description for the device record ("Vector API, 512-bit", "scalar"). */
    String description();
}
