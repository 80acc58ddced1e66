package dev.tokenmeter.model;

import java.util.Objects;

/**
 * The shape of a Llama-style decoder. Validated on construction: every field is checked and a bad one is
 * named with its allowed range. Derived figures (parameter count, bytes, FLOPs) live in {@link ModelAccounting}.
 *
 * @param name            a label (preset name or the config file's name)
 * @param vocab           vocabulary size
 * @param hidden          model width
 * @param layers          decoder layers
 * @param heads           query heads
 * @param kvHeads         key/value heads (grouped-query attention when fewer than {@code heads})
 * @param headDim         width of one head; usually {@code hidden / heads}
 * @param ffn             width of the SwiGLU feed-forward block
 * @param ropeTheta       RoPE base
 * @param ropeScaling     Llama-3 frequency scaling, or {@code null} for none
 * @param normEps         RMSNorm epsilon
 * @param tiedEmbeddings  whether the LM head is the token embedding
 * @param maxPositions    longest sequence (prompt + output) the model accepts
 * @param weightDtype     storage type of the weights
 */
public record ModelConfig(
        String name,
        int vocab,
        int hidden,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int ffn,
        double ropeTheta,
        RopeScaling ropeScaling,
        double normEps,
        boolean tiedEmbeddings,
        int maxPositions,
        WeightDtype weightDtype) {

    public ModelConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(weightDtype, "weightDtype");
        positive("vocab", vocab);
        positive("hidden", hidden);
        positive("layers", layers);
        positive("heads", heads);
        positive("kvHeads", kvHeads);
        positive("headDim", headDim);
        positive("ffn", ffn);
        positive("maxPositions", maxPositions);
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("headDim must be even (RoPE rotates pairs), got " + headDim);
        }
        if (kvHeads > heads || heads % kvHeads != 0) {
            throw new IllegalArgumentException("kvHeads must divide heads (" + heads + "): allowed values are the"
                    + " divisors of " + heads + ", got " + kvHeads);
        }
        if (!(ropeTheta > 1.0) || !Double.isFinite(ropeTheta)) {
            throw new IllegalArgumentException("ropeTheta must be a finite number > 1, got " + ropeTheta);
        }
        if (!(normEps > 0) || !(normEps < 1)) {
            throw new IllegalArgumentException("normEps must be in (0, 1), got " + normEps);
        }
        // Sizes that overflow an int index are refused here rather than deep in a kernel.
        long largest = Math.max((long) vocab * hidden, Math.max((long) ffn * hidden, (long) heads * headDim * hidden));
        if (largest > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a weight matrix would hold " + largest
                    + " elements; at most " + (Integer.MAX_VALUE - 8) + " are supported per tensor");
        }
    }

    /** A config whose head dimension is hidden / heads, which heads must divide. */
    public static ModelConfig of(String name, int vocab, int hidden, int layers, int heads, int kvHeads, int ffn,
            double ropeTheta, RopeScaling ropeScaling, double normEps, boolean tiedEmbeddings, int maxPositions,
            WeightDtype dtype) {
        positive("hidden", hidden);
        positive("heads", heads);
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("heads must divide hidden (" + hidden + "): allowed values are the"
                    + " divisors of " + hidden + ", got " + heads);
        }
        return new ModelConfig(name, vocab, hidden, layers, heads, kvHeads, hidden / heads, ffn, ropeTheta,
                ropeScaling, normEps, tiedEmbeddings, maxPositions, dtype);
    }

    /** Query heads that share one key/value head. */
    public int groupSize() {
        return heads / kvHeads;
    }

    /** Width of the concatenated query heads. */
    public int qDim() {
        return heads * headDim;
    }

    /** Width of the concatenated key (or value) heads. */
    public int kvDim() {
        return kvHeads * headDim;
    }

    public ModelConfig withWeightDtype(WeightDtype dtype) {
        return new ModelConfig(name, vocab, hidden, layers, heads, kvHeads, headDim, ffn, ropeTheta, ropeScaling,
                normEps, tiedEmbeddings, maxPositions, dtype);
    }

    public ModelConfig withName(String newName) {
        return new ModelConfig(newName, vocab, hidden, layers, heads, kvHeads, headDim, ffn, ropeTheta, ropeScaling,
                normEps, tiedEmbeddings, maxPositions, weightDtype);
    }

    /** Derived figures: parameters, bytes, FLOPs. */
    public ModelAccounting accounting() {
        return new ModelAccounting(this);
    }

    /** Refuses a sequence that would run past the model's positions, naming the figures. */
    public void checkSequenceLength(int promptLength, int outputLength) {
        positive("prompt length", promptLength);
        positive("output length", outputLength);
        long total = (long) promptLength + outputLength;
        if (total > maxPositions) {
            throw new IllegalArgumentException("prompt length + output length = " + total + " exceeds the "
                    + maxPositions + " positions of model " + name + "; allowed: 1 to " + maxPositions + " in all");
        }
    }

    private static void positive(String field, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be >= 1, got " + value);
        }
    }
}
