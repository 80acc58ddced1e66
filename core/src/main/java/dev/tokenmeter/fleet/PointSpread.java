package dev.tokenmeter.fleet;

import dev.tokenmeter.InvalidFieldException;

/**
 * The fleet at one point, for reports: its typical throughput and how much its ranks differ. Spreads are robust
 * standard deviations of natural logarithms, which for spreads of a few percent read as fractions (0.02 = 2%).
 *
 * @param point            the point's index, from 0
 * @param ranks            how many ranks measured it
 * @param tested           whether its ranks were tested (it needs {@link StragglerTest#MIN_RANKS} ranks)
 * @param medianThroughput the fleet median: the median over ranks of each rank's median trial, in the samples'
 *                         unit; NaN where no rank measured the point
 * @param relativeSpread   the spread of the ranks' medians (1.4826 × their median absolute deviation, in logs),
 *                         trial noise included; 0 with one rank, NaN with none
 * @param gpuSpread        the part of that spread left once the trial noise is taken out: how much the GPUs
 *                         themselves differ; 0 where the noise explains all of it, NaN with no rank
 * @param trialNoise       the relative spread of one trial about its rank's median, pooled over the ranks with two
 *                         trials or more; 0 where none has two
 */
public record PointSpread(int point, int ranks, boolean tested, double medianThroughput, double relativeSpread,
        double gpuSpread, double trialNoise) {
    public PointSpread {
        if (point < 0) {
            throw new InvalidFieldException("point", "must be >= 0, got " + point);
        }
        if (ranks < 0 || tested && ranks < StragglerTest.MIN_RANKS) {
            throw new InvalidFieldException("ranks", "must be >= 0, and >= " + StragglerTest.MIN_RANKS
                    + " for a tested point, got " + ranks);
        }
        boolean none = ranks == 0;
        figure("medianThroughput", medianThroughput, none);
        figure("relativeSpread", relativeSpread, none);
        figure("gpuSpread", gpuSpread, none);
        if (!(trialNoise >= 0) || Double.isInfinite(trialNoise)) {
            throw new InvalidFieldException("trialNoise", "must be a finite number >= 0, got " + trialNoise);
        }
    }

    private static void figure(String field, double value, boolean none) {
        if (none ? !Double.isNaN(value) : !(value >= 0) || Double.isInfinite(value)) {
            throw new InvalidFieldException(field, none ? "must be NaN for a point no rank measured, got " + value
                    : "must be a finite number >= 0, got " + value);
        }
    }
}
