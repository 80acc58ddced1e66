package dev.tokenmeter.cpu;

import dev.tokenmeter.model.ModelConfig;

/**
 * The elementwise and attention operations of the CPU engine, in plain fp32 Java. Each works on a token range so
 * that the engine can spread tokens over threads; each is checked against a scalar reference in tests.
 */
final class CpuOps {
    private CpuOps() {
    }

    /** out[t] = x[t] / sqrt(mean(x[t]²) + eps) · gain, for tokens [from, to) of width n; out may be x. */
    static void rmsnorm(float[] x, float[] gain, float eps, int n, float[] out, int from, int to) {
        for (int t = from; t < to; t++) {
            int o = t * n;
            double ss = 0;
            for (int i = 0; i < n; i++) {
                ss += x[o + i] * x[o + i];
            }
            float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
            for (int i = 0; i < n; i++) {
                out[o + i] = x[o + i] * inv * gain[i];
            }
        }
    }

    /**
     * RoPE angles' cosines and sines, [position][headDim / 2], computed in double and rounded once:
     * θ_i = pos · theta^(−2i/headDim), with Llama-3 scaling of the frequency where the model has it.
     */
    static float[][] ropeTables(ModelConfig c, int positions) {
        return dev.tokenmeter.model.RopeTables.of(c, positions);
    }

    /**
     * Rotates {@code heads} heads of width {@code headDim} starting at {@code v[offset]} for position {@code pos},
     * rotate-half convention: element i pairs with i + headDim/2.
     */
    static void rope(float[] v, int offset, int heads, int headDim, float[] cos, float[] sin, int pos) {
        int half = headDim / 2;
        int tab = pos * half;
        for (int h = 0; h < heads; h++) {
            int o = offset + h * headDim;
            for (int i = 0; i < half; i++) {
                float c = cos[tab + i];
                float s = sin[tab + i];
                float x1 = v[o + i];
                float x2 = v[o + half + i];
                v[o + i] = x1 * c - x2 * s;
                v[o + half + i] = x2 * c + x1 * s;
            }
        }
    }

    /** out[t][j] = silu(gu[t][j]) · gu[t][ffn + j]: gate and up halves of one fused product, tokens [from, to). */
    static void siluMul(float[] gu, int ffn, float[] out, int from, int to) {
        for (int t = from; t < to; t++) {
            int g = t * 2 * ffn;
            int o = t * ffn;
            for (int j = 0; j < ffn; j++) {
                float gate = gu[g + j];
                float silu = (float) (gate / (1.0 + Math.exp(-gate)));
                out[o + j] = silu * gu[g + ffn + j];
            }
        }
    }

    /**
     * Causal grouped-query attention for one query head of one token: softmax(q·k / √d) over the slot's positions
     * [0, context), then the weighted sum of values.
     *
     * @param q       query vector at {@code q[qo .. qo + d)}
     * @param keys    the slot's key cache for this layer, [position][kvDim]
     * @param values  the slot's value cache for this layer, [position][kvDim]
     * @param kvo     offset of this head's kv head within a position's row
     * @param scores  scratch of at least {@code context} floats
     * @param out     receives d floats at {@code oo}
     */
    static void attendHead(float[] q, int qo, float[] keys, float[] values, int kvDim, int kvo, int d, int context,
            float[] scores, float[] out, int oo) {
        attendHead(q, qo, new float[][] {keys}, new float[][] {values}, ONE_BLOCK, Integer.MAX_VALUE, kvDim, kvo, d,
                context, scores, out, oo);
    }

    /** The block table of a cache that is one contiguous block. */
    static final int[] ONE_BLOCK = {0};

    /**
     * {@link #attendHead(float[], int, float[], float[], int, int, int, int, float[], float[], int)} over a paged
     * cache: position j's key row is {@code keyBlocks[table[j / blockSize]]} at {@code (j % blockSize) · kvDim}.
     */
    static void attendHead(float[] q, int qo, float[][] keyBlocks, float[][] valueBlocks, int[] table, int blockSize,
            int kvDim, int kvo, int d, int context, float[] scores, float[] out, int oo) {
        float scale = (float) (1.0 / Math.sqrt(d));
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < context; j++) {
            float[] keys = keyBlocks[table[j / blockSize]];
            int k = (j % blockSize) * kvDim + kvo;
            float s0 = 0;
            float s1 = 0;
            int i = 0;
            for (; i + 1 < d; i += 2) {
                s0 += q[qo + i] * keys[k + i];
                s1 += q[qo + i + 1] * keys[k + i + 1];
            }
            for (; i < d; i++) {
                s0 += q[qo + i] * keys[k + i];
            }
            float s = (s0 + s1) * scale;
            scores[j] = s;
            max = Math.max(max, s);
        }
        float sum = 0;
        for (int j = 0; j < context; j++) {
            float e = (float) Math.exp(scores[j] - max);
            scores[j] = e;
            sum += e;
        }
        for (int i = 0; i < d; i++) {
            out[oo + i] = 0;
        }
        for (int j = 0; j < context; j++) {
            float p = scores[j];
            float[] values = valueBlocks[table[j / blockSize]];
            int v = (j % blockSize) * kvDim + kvo;
            for (int i = 0; i < d; i++) {
                out[oo + i] += p * values[v + i];
            }
        }
        float inv = 1.0f / sum;
        for (int i = 0; i < d; i++) {
            out[oo + i] *= inv;
        }
    }

    /** Index of the largest of {@code v[from .. from + n)}, the lowest index on ties (NaN never wins). */
    static int argmax(float[] v, int from, int n) {
        int best = 0;
        float bestValue = v[from];
        for (int i = 1; i < n; i++) {
            float x = v[from + i];
            if (x > bestValue || (Float.isNaN(bestValue) && !Float.isNaN(x))) {
                best = i;
                bestValue = x;
            }
        }
        return best;
    }
}
