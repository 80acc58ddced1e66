package dev.tokenmeter.measure;

/**
 * How precisely a point's headline metric was measured, and whether that met the policy's target.
 *
 * @param metric              the headline metric's name ("output tok/s")
 * @param relativeCiHalfWidth 95% confidence half-width of its mean over the mean (NaN for one trial)
 * @param target              the policy's target
 * @param reached             whether the half-width is within the target
 * @param stoppedBy           why trials stopped: "precision", "budget", "max-trials"
 */
public record Precision(String metric, double relativeCiHalfWidth, double target, boolean reached,
        String stoppedBy) {
}
