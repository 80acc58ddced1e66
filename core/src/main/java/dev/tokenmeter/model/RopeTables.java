package dev.tokenmeter.model;

/**
 * RoPE angles' cosines and sines, [position][headDim / 2], computed in double and rounded once to float:
 * θ_i = pos · theta^(−2i/headDim), with Llama-3 scaling of the frequency where the model has it. Every backend
 * takes its angles from here, so that they agree to the bit.
 */
public final class RopeTables {
    private RopeTables() {
    }

    /** {cos, sin}, each {@code positions × headDim/2} floats. */
    public static float[][] of(ModelConfig c, int positions) {
        int half = c.headDim() / 2;
        double[] inv = new double[half];
        RopeScaling scaling = c.ropeScaling();
        for (int i = 0; i < half; i++) {
            double f = Math.pow(c.ropeTheta(), -2.0 * i / c.headDim());
            inv[i] = scaling == null ? f : scaling.scale(f);
        }
        float[] cos = new float[positions * half];
        float[] sin = new float[positions * half];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                double a = p * inv[i];
                cos[p * half + i] = (float) Math.cos(a);
                sin[p * half + i] = (float) Math.sin(a);
            }
        }
        return new float[][] {cos, sin};
    }
}
