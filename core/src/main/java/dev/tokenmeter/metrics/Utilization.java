package dev.tokenmeter.metrics;

/**
 * How close a point came to one set of device ceilings, as fractions (1.0 = the ceiling).
 *
 * @param against    which ceilings ("measured: ..." or "datasheet: ...")
 * @param prefillMbu prefill bytes / prefill time / peak bandwidth
 * @param prefillMfu prefill FLOPs / prefill time / peak FLOP/s
 * @param decodeMbu  decode bytes (weights + KV read, every step) / decode time / peak bandwidth
 * @param decodeMfu  decode FLOPs / decode time / peak FLOP/s
 */
public record Utilization(String against, double prefillMbu, double prefillMfu, double decodeMbu, double decodeMfu) {
}
