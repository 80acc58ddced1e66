package dev.tokenmeter.checkpoint;

import dev.tokenmeter.model.ModelConfig;

/**
 * DESIGN's synthetic checkpoint, spec v1: every weight is a pure function of (seed, tensor id, index), so any
 * backend builds the same bits where the weights live, and any independent program can rebuild them.
 */
public final class SyntheticCheckpoint {
    /** The spec version this generator implements; recorded in results. */
    public static final int SPEC_VERSION = 1;

    private static final float TWO_POW_MINUS_24 = 0x1.0p-24f;

    private final ModelConfig config;
    private final long seed;

    public SyntheticCheckpoint(ModelConfig config, long seed) {
        this.config = config;
        this.seed = seed;
    }

    public ModelConfig config() {
        return config;
    }

    public long seed() {
        return seed;
    }

    /** key(seed, tensorId) = splitmix64(splitmix64(seed) ^ tensorId). */
    public static long key(long seed, long tensorId) {
        return SplitMix64.mix(SplitMix64.mix(seed) ^ tensorId);
    }

    /** u in [0, 1) with 24 random bits, exactly representable in float32. */
    public static float uniform(long key, long index) {
        return (SplitMix64.mix(key + index) >>> 40) * TWO_POW_MINUS_24;
    }

    /** The float32 value before bf16 rounding: float32((2u - 1) * amp) + offset, in float32 arithmetic. */
    public static float rawValue(long key, long index, float amplitude, float offset) {
        float u = uniform(key, index);
        return (2.0f * u - 1.0f) * amplitude + offset;
    }

    /** The stored (bf16) value of one element. */
    public static short bf16Value(long key, long index, float amplitude, float offset) {
        return Bf16.fromFloat(rawValue(key, index, amplitude, offset));
    }

    /**
     * Fills {@code out[outOffset ..]} with the bf16 bits of elements {@code [from, from + count)} of a tensor
     * (row-major index).
     */
    public void fill(TensorKind kind, int layer, long from, short[] out, int outOffset, int count) {
        checkPresent(kind, layer);
        long k = key(seed, kind.id(layer));
        float amp = kind.amplitude(config);
        float off = kind.offset();
        for (int i = 0; i < count; i++) {
            out[outOffset + i] = bf16Value(k, from + i, amp, off);
        }
    }

    /** A whole tensor as bf16 bits. */
    public short[] tensor(TensorKind kind, int layer) {
        long n = kind.elements(config);
        short[] out = new short[Math.toIntExact(n)];
        fill(kind, layer, 0, out, 0, out.length);
        return out;
    }

    /** A whole tensor as float32 values (each exactly a bf16 value). */
    public float[] tensorAsFloats(TensorKind kind, int layer) {
        short[] bits = tensor(kind, layer);
        float[] out = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            out[i] = Bf16.toFloat(bits[i]);
        }
        return out;
    }

    private void checkPresent(TensorKind kind, int layer) {
        if (kind == TensorKind.LM_HEAD && config.tiedEmbeddings()) {
            throw new IllegalArgumentException("model " + config.name()
                    + " ties its LM head to the embedding: there is no tensor 3");
        }
        if (kind.perLayer() && (layer < 0 || layer >= config.layers())) {
            throw new IllegalArgumentException("layer must be in [0, " + config.layers() + "), got " + layer);
        }
    }
}
