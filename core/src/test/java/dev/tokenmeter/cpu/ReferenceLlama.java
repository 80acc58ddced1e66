package dev.tokenmeter.cpu;

import dev.tokenmeter.checkpoint.SyntheticCheckpoint;
import dev.tokenmeter.checkpoint.TensorKind;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.RopeScaling;

/**
 * DESIGN's Llama forward pass written the plainest way, in double, as the oracle for {@link CpuEngine}: separate
 * Wq, Wk, Wv, Wo, W_gate, W_up and W_down from {@link SyntheticCheckpoint#tensorAsFloats}, nothing fused, no KV
 * cache (the whole sequence is recomputed for every call), causal attention as explicit loops, grouped-query
 * attention by {@code kvHead = head / groupSize}. It shares no code with the engine beyond the checkpoint.
 *
 * <p>A {@link Perturbation} breaks one piece on purpose, so that tests can show their tolerance catches it.
 */
final class ReferenceLlama {
    /** A deliberate mistake, to prove that a comparison can fail. */
    enum Perturbation {
        NONE,
        /** No rotary embedding at all. */
        NO_ROPE,
        /** RoPE without the config's Llama-3 frequency scaling. */
        NO_ROPE_SCALING,
        /** Every position attends to the whole sequence. */
        NO_CAUSAL_MASK,
        /** Every query head uses kv head 0. */
        FIRST_KV_HEAD_ONLY
    }

    private final ModelConfig c;
    private final Perturbation perturbation;
    private final float[] embedding;
    private final float[] lmHead;
    private final float[] finalNorm;
    private final float[][] attnNorm;
    private final float[][] wq;
    private final float[][] wk;
    private final float[][] wv;
    private final float[][] wo;
    private final float[][] ffnNorm;
    private final float[][] wGate;
    private final float[][] wUp;
    private final float[][] wDown;

    ReferenceLlama(ModelConfig config, long seed) {
        this(config, seed, Perturbation.NONE);
    }

    ReferenceLlama(ModelConfig config, long seed, Perturbation perturbation) {
        this.c = config;
        this.perturbation = perturbation;
        SyntheticCheckpoint ck = new SyntheticCheckpoint(config, seed);
        embedding = ck.tensorAsFloats(TensorKind.EMBEDDING, 0);
        lmHead = config.tiedEmbeddings() ? embedding : ck.tensorAsFloats(TensorKind.LM_HEAD, 0);
        finalNorm = ck.tensorAsFloats(TensorKind.FINAL_NORM, 0);
        int layers = config.layers();
        attnNorm = new float[layers][];
        wq = new float[layers][];
        wk = new float[layers][];
        wv = new float[layers][];
        wo = new float[layers][];
        ffnNorm = new float[layers][];
        wGate = new float[layers][];
        wUp = new float[layers][];
        wDown = new float[layers][];
        for (int l = 0; l < layers; l++) {
            attnNorm[l] = ck.tensorAsFloats(TensorKind.ATTN_NORM, l);
            wq[l] = ck.tensorAsFloats(TensorKind.WQ, l);
            wk[l] = ck.tensorAsFloats(TensorKind.WK, l);
            wv[l] = ck.tensorAsFloats(TensorKind.WV, l);
            wo[l] = ck.tensorAsFloats(TensorKind.WO, l);
            ffnNorm[l] = ck.tensorAsFloats(TensorKind.FFN_NORM, l);
            wGate[l] = ck.tensorAsFloats(TensorKind.W_GATE, l);
            wUp[l] = ck.tensorAsFloats(TensorKind.W_UP, l);
            wDown[l] = ck.tensorAsFloats(TensorKind.W_DOWN, l);
        }
    }

    /** The logits after the last token of {@code tokens} (positions 0 .. n − 1), recomputing everything. */
    double[] lastLogits(int[] tokens) {
        int n = tokens.length;
        int hidden = c.hidden();
        double[][] x = new double[n][hidden];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < hidden; j++) {
                x[t][j] = embedding[tokens[t] * hidden + j];
            }
        }
        for (int l = 0; l < c.layers(); l++) {
            double[][] q = new double[n][];
            double[][] k = new double[n][];
            double[][] v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] h = rmsnorm(x[t], attnNorm[l]);
                q[t] = matVec(wq[l], h, c.qDim());
                k[t] = matVec(wk[l], h, c.kvDim());
                v[t] = matVec(wv[l], h, c.kvDim());
                for (int head = 0; head < c.heads(); head++) {
                    rope(q[t], head * c.headDim(), t);
                }
                for (int head = 0; head < c.kvHeads(); head++) {
                    rope(k[t], head * c.headDim(), t);
                }
            }
            double[][] attn = attention(q, k, v);
            for (int t = 0; t < n; t++) {
                double[] o = matVec(wo[l], attn[t], hidden);
                for (int j = 0; j < hidden; j++) {
                    x[t][j] += o[j];
                }
                double[] h = rmsnorm(x[t], ffnNorm[l]);
                double[] gate = matVec(wGate[l], h, c.ffn());
                double[] up = matVec(wUp[l], h, c.ffn());
                double[] act = new double[c.ffn()];
                for (int j = 0; j < c.ffn(); j++) {
                    act[j] = gate[j] / (1 + Math.exp(-gate[j])) * up[j];
                }
                double[] down = matVec(wDown[l], act, hidden);
                for (int j = 0; j < hidden; j++) {
                    x[t][j] += down[j];
                }
            }
        }
        return matVec(lmHead, rmsnorm(x[n - 1], finalNorm), c.vocab());
    }

    /** Causal attention: position t's query against positions 0 .. t of its kv head. */
    private double[][] attention(double[][] q, double[][] k, double[][] v) {
        int n = q.length;
        int d = c.headDim();
        double[][] out = new double[n][c.qDim()];
        for (int t = 0; t < n; t++) {
            int last = perturbation == Perturbation.NO_CAUSAL_MASK ? n - 1 : t;
            for (int head = 0; head < c.heads(); head++) {
                int kvHead = perturbation == Perturbation.FIRST_KV_HEAD_ONLY ? 0 : head / c.groupSize();
                double[] scores = new double[last + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= last; j++) {
                    double s = 0;
                    for (int i = 0; i < d; i++) {
                        s += q[t][head * d + i] * k[j][kvHead * d + i];
                    }
                    scores[j] = s / Math.sqrt(d);
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j <= last; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int j = 0; j <= last; j++) {
                    for (int i = 0; i < d; i++) {
                        out[t][head * d + i] += scores[j] / sum * v[j][kvHead * d + i];
                    }
                }
            }
        }
        return out;
    }

    /** Rotate-half RoPE of one head at {@code offset}, θ_i = pos · theta^(−2i/headDim), Llama-3 scaled. */
    private void rope(double[] vec, int offset, int pos) {
        if (perturbation == Perturbation.NO_ROPE) {
            return;
        }
        int half = c.headDim() / 2;
        for (int i = 0; i < half; i++) {
            double freq = Math.pow(c.ropeTheta(), -2.0 * i / c.headDim());
            if (c.ropeScaling() != null && perturbation != Perturbation.NO_ROPE_SCALING) {
                freq = llama3(freq, c.ropeScaling());
            }
            double a = pos * freq;
            double x1 = vec[offset + i];
            double x2 = vec[offset + half + i];
            vec[offset + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
            vec[offset + half + i] = x2 * Math.cos(a) + x1 * Math.sin(a);
        }
    }

    /** Meta's apply_scaling for Llama 3.1, written out from its definition. */
    private static double llama3(double freq, RopeScaling s) {
        double wavelen = 2 * Math.PI / freq;
        double highFreqWavelen = s.originalMaxPositions() / s.highFreqFactor();
        double lowFreqWavelen = s.originalMaxPositions() / s.lowFreqFactor();
        if (wavelen < highFreqWavelen) {
            return freq;
        }
        if (wavelen > lowFreqWavelen) {
            return freq / s.factor();
        }
        double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor())
                / (s.highFreqFactor() - s.lowFreqFactor());
        return (1 - smooth) * freq / s.factor() + smooth * freq;
    }

    private double[] rmsnorm(double[] x, float[] gain) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double inv = 1 / Math.sqrt(ss / x.length + c.normEps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * inv * gain[i];
        }
        return out;
    }

    /** W·x for W stored [rows, x.length] row-major. */
    private static double[] matVec(float[] w, double[] x, int rows) {
        int cols = x.length;
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int i = 0; i < cols; i++) {
                s += w[r * cols + i] * x[i];
            }
            y[r] = s;
        }
        return y;
    }
}
