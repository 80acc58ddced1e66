package dev.tokenmeter.metrics;

import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.model.ModelAccounting;
import dev.tokenmeter.model.ModelConfig;
import java.util.List;
import java.util.Locale;

/**
 * The roofline of one offline point: bytes and FLOPs the work needs, the least time the device can do it in
 * (max of bytes / bandwidth and FLOPs / peak, step by step), and the utilization reached.
 *
 * @param prefillBytes   weights read once plus the KV cache written by the prefill step
 * @param prefillFlops   the whole batch's prefill FLOPs
 * @param decodeBytes    every decode step's weights plus the KV cache it reads, summed
 * @param decodeFlops    every decode step's FLOPs, summed
 * @param prefillFloorMs least time for the prefill step on the measured ceilings
 * @param decodeFloorMs  least time for all decode steps on the measured ceilings
 * @param measured       utilization against this device's measured ceilings (median trial)
 * @param datasheet      utilization against the vendor's figures, or null where none is known
 * @param cacheResident  the per-step working set fits in the device's last-level cache, so the memory roofline
 *                       does not bound it and MBU above 100% is not an error
 * @param violation      null, or a description of a trial faster than the floor: a measurement error
 */
public record Roofline(double prefillBytes, double prefillFlops, double decodeBytes, double decodeFlops,
        double prefillFloorMs, double decodeFloorMs, Utilization measured, Utilization datasheet,
        boolean cacheResident, String violation) {

    /** Least time for a whole trial. */
    public double trialFloorMs() {
        return prefillFloorMs + decodeFloorMs;
    }

    /**
     * The roofline of an offline point on {@code device}, its utilization at the median trial, and a check of
     * every trial against the floor.
     */
    public static Roofline offline(ModelConfig model, int kvBytesPerElement, DeviceInfo device, int batch,
            int promptLength, int outputLength, List<TrialRecord> trials) {
        ModelAccounting acc = model.accounting();
        double weights = acc.weightBytesReadPerStep();
        double kvPerToken = acc.kvBytesPerToken(kvBytesPerElement);
        DeviceCeilings ceil = device.measured();

        double prefillBytes = weights + batch * kvPerToken * promptLength;
        double prefillFlops = (double) batch * acc.prefillFlops(promptLength);
        double prefillFloorS = ceil.floorSeconds(prefillBytes, prefillFlops);

        // Decode step i (1-based) feeds the token at position P + i − 1, which attends to P + i positions.
        double decodeBytes = 0;
        double decodeFlops = 0;
        double decodeFloorS = 0;
        double largestStepBytes = prefillBytes;
        for (int i = 1; i < outputLength; i++) {
            long context = (long) promptLength + i;
            double bytes = weights + batch * kvPerToken * context;
            double flops = (double) batch * acc.decodeFlopsPerToken(context);
            decodeBytes += bytes;
            decodeFlops += flops;
            decodeFloorS += ceil.floorSeconds(bytes, flops);
            largestStepBytes = Math.max(largestStepBytes, bytes);
        }
        boolean cacheResident = device.cacheBytes() > 0 && largestStepBytes <= device.cacheBytes();

        double prefillMs = median(trials.stream().mapToDouble(TrialRecord::prefillDeviceMs).toArray());
        double decodeMs = median(trials.stream().mapToDouble(TrialRecord::decodeDeviceMs).toArray());
        Utilization measured = utilization(ceil, prefillBytes, prefillFlops, decodeBytes, decodeFlops, prefillMs,
                decodeMs);
        Utilization datasheet = device.datasheet() == null ? null
                : utilization(device.datasheet(), prefillBytes, prefillFlops, decodeBytes, decodeFlops, prefillMs,
                        decodeMs);

        // A measured ceiling is a lower bound on the device's real one, so the check uses the higher of the
        // measured and datasheet figures: only a time no device of this kind could reach is called an error.
        DeviceCeilings limit = device.datasheet() == null ? ceil : new DeviceCeilings(
                Math.max(ceil.memoryBandwidth(), device.datasheet().memoryBandwidth()),
                Math.max(ceil.flops(), device.datasheet().flops()), ceil.source() + "; " + device.datasheet().source());
        double prefillLimitS = cacheResident ? prefillFlops / limit.flops()
                : limit.floorSeconds(prefillBytes, prefillFlops);
        double decodeLimitS = 0;
        for (int i = 1; i < outputLength; i++) {
            long context = (long) promptLength + i;
            double flops = (double) batch * acc.decodeFlopsPerToken(context);
            // A cache lifts the memory limit, never the arithmetic one.
            decodeLimitS += cacheResident ? flops / limit.flops()
                    : limit.floorSeconds(weights + batch * kvPerToken * context, flops);
        }
        String violation = null;
        for (int t = 0; t < trials.size() && violation == null; t++) {
            TrialRecord r = trials.get(t);
            if (r.prefillDeviceMs() < prefillLimitS * 1e3) {
                violation = String.format(Locale.ROOT, "trial %d: prefill took %.4f ms, below the %s floor of"
                        + " %.4f ms (%s)", t, r.prefillDeviceMs(), cacheResident ? "arithmetic" : "roofline",
                        prefillLimitS * 1e3, limit.source());
            } else if (outputLength > 1 && r.decodeDeviceMs() < decodeLimitS * 1e3) {
                violation = String.format(Locale.ROOT, "trial %d: decode took %.4f ms, below the %s floor of"
                        + " %.4f ms (%s)", t, r.decodeDeviceMs(), cacheResident ? "arithmetic" : "roofline",
                        decodeLimitS * 1e3, limit.source());
            }
        }
        return new Roofline(prefillBytes, prefillFlops, decodeBytes, decodeFlops, prefillFloorS * 1e3,
                decodeFloorS * 1e3, measured, datasheet, cacheResident, violation);
    }

    private static Utilization utilization(DeviceCeilings c, double prefillBytes, double prefillFlops,
            double decodeBytes, double decodeFlops, double prefillMs, double decodeMs) {
        double prefillS = prefillMs / 1e3;
        double decodeS = decodeMs / 1e3;
        boolean hasDecode = decodeS > 0;
        return new Utilization(c.source(),
                prefillBytes / prefillS / c.memoryBandwidth(),
                prefillFlops / prefillS / c.flops(),
                hasDecode ? decodeBytes / decodeS / c.memoryBandwidth() : Double.NaN,
                hasDecode ? decodeFlops / decodeS / c.flops() : Double.NaN);
    }

    private static double median(double[] values) {
        return dev.tokenmeter.measure.Summary.of(values).p50();
    }
}
