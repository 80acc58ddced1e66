package dev.tokenmeter.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link CpuOps#attendHead} on the Vector API: the q·k dot products and the p·v accumulation run over the head
 * dimension in vector lanes; the softmax stays scalar. Same arguments, same maths, only loaded where the Vector
 * API module is present.
 */
final class VectorAttention {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private VectorAttention() {
    }

    static void attendHead(float[] q, int qo, float[] keys, float[] values, int kvDim, int kvo, int d, int context,
            float[] scores, float[] out, int oo) {
        attendHead(q, qo, new float[][] {keys}, new float[][] {values}, CpuOps.ONE_BLOCK, Integer.MAX_VALUE, kvDim,
                kvo, d, context, scores, out, oo);
    }

    /** {@link CpuOps#attendHead(float[], int, float[][], float[][], int[], int, int, int, int, int, float[],
     * float[], int)} on the Vector API. */
    static void attendHead(float[] q, int qo, float[][] keyBlocks, float[][] valueBlocks, int[] table, int blockSize,
            int kvDim, int kvo, int d, int context, float[] scores, float[] out, int oo) {
        float scale = (float) (1.0 / Math.sqrt(d));
        int bound = F.loopBound(d);
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < context; j++) {
            float[] keys = keyBlocks[table[j / blockSize]];
            int k = (j % blockSize) * kvDim + kvo;
            FloatVector acc = FloatVector.zero(F);
            int i = 0;
            for (; i < bound; i += F.length()) {
                acc = FloatVector.fromArray(F, q, qo + i).fma(FloatVector.fromArray(F, keys, k + i), acc);
            }
            float s = acc.reduceLanes(VectorOperators.ADD);
            for (; i < d; i++) {
                s += q[qo + i] * keys[k + i];
            }
            s *= scale;
            scores[j] = s;
            max = Math.max(max, s);
        }
        float sum = 0;
        for (int j = 0; j < context; j++) {
            float e = (float) Math.exp(scores[j] - max);
            scores[j] = e;
            sum += e;
        }
        java.util.Arrays.fill(out, oo, oo + d, 0f);
        for (int j = 0; j < context; j++) {
            float p = scores[j];
            float[] values = valueBlocks[table[j / blockSize]];
            int v = (j % blockSize) * kvDim + kvo;
            FloatVector pv = FloatVector.broadcast(F, p);
            int i = 0;
            for (; i < bound; i += F.length()) {
                FloatVector.fromArray(F, values, v + i).fma(pv, FloatVector.fromArray(F, out, oo + i))
                        .intoArray(out, oo + i);
            }
            for (; i < d; i++) {
                out[oo + i] += p * values[v + i];
            }
        }
        float inv = 1.0f / sum;
        for (int i = 0; i < d; i++) {
            out[oo + i] *= inv;
        }
    }
}
