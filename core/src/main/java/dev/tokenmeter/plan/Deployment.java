package dev.tokenmeter.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * The plan on one kind of GPU: the operating point, the GPUs it takes and what they cost.
 *
 * @param gpu                 the GPU's name (the measured device's name for the measured row)
 * @param basis               measured, or a projection
 * @param figuresSource       where the bandwidth and FLOP/s figures come from
 * @param memoryBandwidth     bytes per second, as used for the projection
 * @param bf16Flops           dense bf16 FLOP/s as used for the projection, or null where unknown
 * @param operatingPoint      the largest-throughput point that meets the constraints; where none does, the
 *                            closest one (see {@code feasible}); null where there is no point at all, or where
 *                            the GPU could not be projected ({@link Basis#NOT_PROJECTED})
 * @param feasible            whether {@code operatingPoint} meets the constraints
 * @param gpus                GPUs needed, or null (not feasible, or a decode-only projection)
 * @param expectedUtilization rate / (GPUs × requests/s per GPU), or NaN where {@code gpus} is null
 * @param cost                costs, or null where no price or no GPU count is known
 * @param notes               what a reader of this row must know (why there is no price, what was not checked)
 */
public record Deployment(String gpu, Basis basis, String figuresSource, double memoryBandwidth, Double bf16Flops,
        PointEstimate operatingPoint, boolean feasible, Integer gpus, double expectedUtilization, PlanCost cost,
        List<String> notes) {
    public Deployment {
        notes = List.copyOf(notes);
    }

    /** This deployment with {@code note} first among its notes. */
    public Deployment withNote(String note) {
        List<String> more = new ArrayList<>(notes.size() + 1);
        more.add(note);
        more.addAll(notes);
        return new Deployment(gpu, basis, figuresSource, memoryBandwidth, bf16Flops, operatingPoint, feasible, gpus,
                expectedUtilization, cost, more);
    }
}
