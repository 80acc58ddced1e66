package dev.tokenmeter.plan;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One GPU a plan can be projected to: its vendor figures, the price preset that covers it, and where the figures
 * come from.
 *
 * @param name            how tables show it ("H200 SXM")
 * @param match           the word that names it in a driver's device name ("H200"), matched as a whole word so
 *                        that "B200" is not found in "GB200"
 * @param memoryBandwidth peak memory bandwidth, bytes per second
 * @param bf16Flops       peak dense (no sparsity) bf16 tensor-core FLOP/s, or null where the vendor has published
 *                        none: such a GPU is projected for decode only
 * @param pricePreset     the {@link dev.tokenmeter.cost.PricePresets} name of its price, or null where none exists
 *                        (a plan then shows no price; it never invents one)
 * @param source          where the figures come from, for the record
 */
public record GpuSpec(String name, String match, double memoryBandwidth, Double bf16Flops, String pricePreset,
        String source) {
    public GpuSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(match, "match");
        Objects.requireNonNull(source, "source");
        if (!(memoryBandwidth > 0) || !Double.isFinite(memoryBandwidth)) {
            throw new IllegalArgumentException("memoryBandwidth must be a positive number of bytes/s, got "
                    + memoryBandwidth);
        }
        if (bf16Flops != null && (!(bf16Flops > 0) || !Double.isFinite(bf16Flops))) {
            throw new IllegalArgumentException("bf16Flops must be null (unknown) or a positive number of FLOP/s, got "
                    + bf16Flops);
        }
    }

    /** Whether the dense bf16 figure is known; without it only decode (bandwidth-bound) can be projected. */
    public boolean bf16Known() {
        return bf16Flops != null;
    }

    /** Whether a driver's device name names this GPU ("NVIDIA H100 80GB HBM3" names the H100). */
    public boolean namedIn(String deviceName) {
        return Pattern.compile("(?<![A-Z0-9])" + Pattern.quote(match.toUpperCase(Locale.ROOT)) + "(?![A-Z0-9])")
                .matcher(deviceName.toUpperCase(Locale.ROOT)).find();
    }
}
