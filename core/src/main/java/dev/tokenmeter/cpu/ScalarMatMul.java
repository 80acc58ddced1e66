package dev.tokenmeter.cpu;

/**
 * The matrix product in plain Java, for JVMs without the Vector API: four weight rows are widened to fp32 once
 * and reused across every token, with independent accumulators so that the FMAs pipeline.
 */
final class ScalarMatMul implements MatMul {
    private static final int ROWS = 4;

    @Override
    public void rows(float[] x, int tokens, int in, short[] w, int out, float[] y, boolean accumulate, int rowFrom,
            int rowTo, float[] scratch) {
        for (int r0 = rowFrom; r0 < rowTo; r0 += ROWS) {
            int rows = Math.min(ROWS, rowTo - r0);
            for (int r = 0; r < rows; r++) {
                int src = (r0 + r) * in;
                int dst = r * in;
                for (int i = 0; i < in; i++) {
                    scratch[dst + i] = Float.intBitsToFloat((w[src + i] & 0xFFFF) << 16);
                }
            }
            for (int t = 0; t < tokens; t++) {
                int xo = t * in;
                for (int r = 0; r < rows; r++) {
                    int wo = r * in;
                    float s0 = 0;
                    float s1 = 0;
                    float s2 = 0;
                    float s3 = 0;
                    int i = 0;
                    for (; i + 3 < in; i += 4) {
                        s0 += x[xo + i] * scratch[wo + i];
                        s1 += x[xo + i + 1] * scratch[wo + i + 1];
                        s2 += x[xo + i + 2] * scratch[wo + i + 2];
                        s3 += x[xo + i + 3] * scratch[wo + i + 3];
                    }
                    for (; i < in; i++) {
                        s0 += x[xo + i] * scratch[wo + i];
                    }
                    float sum = (s0 + s1) + (s2 + s3);
                    int yi = t * out + r0 + r;
                    y[yi] = accumulate ? y[yi] + sum : sum;
                }
            }
        }
    }

    @Override
    public int scratchFloats(int in) {
        return ROWS * in;
    }

    @Override
    public int rowAlign() {
        return ROWS;
    }

    @Override
    public String description() {
        return "scalar Java";
    }
}
