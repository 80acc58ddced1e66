package dev.tokenmeter.model;

/**
 * Llama-3 RoPE frequency scaling ("rope_type": "llama3" in a Hugging Face config).
 *
 * <p>Wavelengths shorter than {@code originalMaxPositions / highFreqFactor} keep their frequency,
 * those longer than {@code originalMaxPositions / lowFreqFactor} are divided by {@code factor},
 * and the band between is interpolated smoothly.
 */
public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {

    public RopeScaling {
        if (!(factor >= 1.0) || !Double.isFinite(factor)) {
            throw new IllegalArgumentException("rope_scaling.factor must be a finite number >= 1, got " + factor);
        }
        if (!(lowFreqFactor > 0) || !Double.isFinite(lowFreqFactor)) {
            throw new IllegalArgumentException("rope_scaling.low_freq_factor must be > 0, got " + lowFreqFactor);
        }
        if (!(highFreqFactor > lowFreqFactor) || !Double.isFinite(highFreqFactor)) {
            throw new IllegalArgumentException("rope_scaling.high_freq_factor must be > low_freq_factor ("
                    + lowFreqFactor + "), got " + highFreqFactor);
        }
        if (originalMaxPositions <= 0) {
            throw new IllegalArgumentException(
                    "rope_scaling.original_max_position_embeddings must be >= 1, got " + originalMaxPositions);
        }
    }

    /** Llama 3.1's published scaling (8B, 70B, 405B). */
    public static RopeScaling llama31() {
        return new RopeScaling(8.0, 1.0, 4.0, 8192);
    }

    /** Llama 3.2's published scaling (1B, 3B). */
    public static RopeScaling llama32() {
        return new RopeScaling(32.0, 1.0, 4.0, 8192);
    }

    /** Applies the scaling to one inverse frequency (radians per position). */
    public double scale(double inverseFrequency) {
        double wavelength = 2 * Math.PI / inverseFrequency;
        double lowFreqWavelength = originalMaxPositions / lowFreqFactor;
        double highFreqWavelength = originalMaxPositions / highFreqFactor;
        if (wavelength < highFreqWavelength) {
            return inverseFrequency;
        }
        if (wavelength > lowFreqWavelength) {
            return inverseFrequency / factor;
        }
        double smooth = (originalMaxPositions / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        return (1 - smooth) * inverseFrequency / factor + smooth * inverseFrequency;
    }
}
