package dev.tokenmeter.telemetry;

/**
 * A GPU's ECC memory error counts at one moment ({@code nvmlDeviceGetTotalEccErrors}). Volatile counts start at 0
 * when the driver loads; aggregate counts persist over the device's life. Each is null where the device does not
 * support it (no ECC, or ECC disabled).
 *
 * @param volatileCorrected    single-bit errors corrected since the driver loaded
 * @param volatileUncorrected  double-bit errors (not correctable) since the driver loaded
 * @param aggregateCorrected   corrected errors over the device's life
 * @param aggregateUncorrected uncorrected errors over the device's life
 */
public record EccCounts(Long volatileCorrected, Long volatileUncorrected, Long aggregateCorrected,
        Long aggregateUncorrected) {
    /** Whether any count was read. */
    public boolean supported() {
        return volatileCorrected != null || volatileUncorrected != null || aggregateCorrected != null
                || aggregateUncorrected != null;
    }
}
