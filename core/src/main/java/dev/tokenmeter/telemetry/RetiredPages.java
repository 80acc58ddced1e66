package dev.tokenmeter.telemetry;

/**
 * Device memory pages the driver retired after ECC errors ({@code nvmlDeviceGetRetiredPages}), at one moment.
 * GPUs that remap rows instead (A100, H100 and later) do not support it: every field is null there.
 *
 * @param singleBitEcc pages retired for repeated single-bit errors; null where unsupported
 * @param doubleBitEcc pages retired for a double-bit error; null where unsupported
 * @param pending      whether a retirement waits for the next driver reload; null where unsupported
 */
public record RetiredPages(Long singleBitEcc, Long doubleBitEcc, Boolean pending) {
    /** Whether anything was read. */
    public boolean supported() {
        return singleBitEcc != null || doubleBitEcc != null || pending != null;
    }
}
