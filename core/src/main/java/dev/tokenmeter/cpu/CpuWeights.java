package dev.tokenmeter.cpu;

import dev.tokenmeter.checkpoint.Bf16;
import dev.tokenmeter.checkpoint.SyntheticCheckpoint;
import dev.tokenmeter.checkpoint.TensorKind;
import dev.tokenmeter.model.ModelConfig;

/**
 * The synthetic checkpoint in host memory: linear maps as bf16 bits, norms widened to fp32. Q, K and V are
 * stored as one [qDim + 2·kvDim, hidden] matrix and gate and up as one [2·ffn, hidden] matrix, so each layer
 * runs two products where it would run five, with the same bits as the separate tensors.
 */
final class CpuWeights {
    final short[] embedding;
    /** The LM head; the embedding itself when tied. */
    final short[] lmHead;
    final float[] finalNorm;
    final Layer[] layers;

    static final class Layer {
        final float[] attnNorm;
        final short[] wqkv;
        final short[] wo;
        final float[] ffnNorm;
        final short[] wGateUp;
        final short[] wDown;

        Layer(float[] attnNorm, short[] wqkv, short[] wo, float[] ffnNorm, short[] wGateUp, short[] wDown) {
            this.attnNorm = attnNorm;
            this.wqkv = wqkv;
            this.wo = wo;
            this.ffnNorm = ffnNorm;
            this.wGateUp = wGateUp;
            this.wDown = wDown;
        }
    }

    private CpuWeights(short[] embedding, short[] lmHead, float[] finalNorm, Layer[] layers) {
        this.embedding = embedding;
        this.lmHead = lmHead;
        this.finalNorm = finalNorm;
        this.layers = layers;
    }

    /** Generates every tensor, spreading the work over {@code parallel}'s threads. */
    static CpuWeights generate(SyntheticCheckpoint ckpt, Parallel parallel) {
        ModelConfig c = ckpt.config();
        short[] embedding = generate(ckpt, parallel, TensorKind.EMBEDDING, 0);
        short[] lmHead = c.tiedEmbeddings() ? embedding : generate(ckpt, parallel, TensorKind.LM_HEAD, 0);
        float[] finalNorm = widen(generate(ckpt, parallel, TensorKind.FINAL_NORM, 0));
        Layer[] layers = new Layer[c.layers()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = new Layer(
                    widen(generate(ckpt, parallel, TensorKind.ATTN_NORM, l)),
                    concat(ckpt, parallel, l, TensorKind.WQ, TensorKind.WK, TensorKind.WV),
                    generate(ckpt, parallel, TensorKind.WO, l),
                    widen(generate(ckpt, parallel, TensorKind.FFN_NORM, l)),
                    concat(ckpt, parallel, l, TensorKind.W_GATE, TensorKind.W_UP),
                    generate(ckpt, parallel, TensorKind.W_DOWN, l));
        }
        return new CpuWeights(embedding, lmHead, finalNorm, layers);
    }

    private static short[] generate(SyntheticCheckpoint ckpt, Parallel parallel, TensorKind kind, int layer) {
        short[] out = new short[Math.toIntExact(kind.elements(ckpt.config()))];
        fillInto(ckpt, parallel, kind, layer, out, 0);
        return out;
    }

    private static short[] concat(SyntheticCheckpoint ckpt, Parallel parallel, int layer, TensorKind... kinds) {
        long total = 0;
        for (TensorKind k : kinds) {
            total += k.elements(ckpt.config());
        }
        short[] out = new short[Math.toIntExact(total)];
        int offset = 0;
        for (TensorKind k : kinds) {
            fillInto(ckpt, parallel, k, layer, out, offset);
            offset += (int) k.elements(ckpt.config());
        }
        return out;
    }

    private static void fillInto(SyntheticCheckpoint ckpt, Parallel parallel, TensorKind kind, int layer,
            short[] out, int offset) {
        int n = (int) kind.elements(ckpt.config());
        parallel.forRange(n, 1 << 16, 1, (from, to) -> ckpt.fill(kind, layer, from, out, offset + from, to - from));
    }

    private static float[] widen(short[] bits) {
        float[] out = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            out[i] = Bf16.toFloat(bits[i]);
        }
        return out;
    }

    /** Bytes these arrays occupy (the tied LM head counted once). */
    static long bytes(ModelConfig c) {
        return c.accounting().parameterCount() * 2L + (2L * c.layers() + 1) * c.hidden() * 2L;
    }
}
