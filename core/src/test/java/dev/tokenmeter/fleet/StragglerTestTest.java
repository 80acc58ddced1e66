package dev.tokenmeter.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenmeter.InvalidFieldException;
import dev.tokenmeter.fleet.SimulatedFleet.Noise;
import dev.tokenmeter.fleet.SimulatedFleet.Shape;
import dev.tokenmeter.fleet.SimulatedFleet.Spread;
import dev.tokenmeter.fleet.StragglerTest.Options;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToIntFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The straggler test on small fleets built by hand, on simulated fleets of thousands of GPUs (false alarms and
 * power), and on bad input. Every simulated fleet i of a check is drawn from {@code new SplittableRandom(seed + i)},
 * the seed printed in each message, so any failure replays.
 */
class StragglerTestTest {
    private static final long SEED = 20_240_611L;
    private static final Options DEFAULTS = Options.defaults();
    /** Fleets per large-fleet check (400 for power, whose bound sits nearer the expected rate), ranks a fleet. */
    private static final int FLEETS = 200;
    private static final int POWER_FLEETS = 400;
    private static final int GPUS = 2000;
    private static final Shape FLEET = new Shape(GPUS, 0.015, Spread.LOG_NORMAL, 0.03, Noise.NORMAL, 5, 10);

    /** Trials with a CV of about 9%: the same spread-out pattern for every rank, scaled to its speed. */
    private static double[] trials(double speed) {
        return Arrays.stream(new double[] {0.88, 0.95, 1.0, 1.05, 1.12}).map(f -> f * speed).toArray();
    }

    @Test
    void aRankAtHalfSpeedAmongFourIsFlaggedAndAFleetWithoutOneIsNot() {
        List<Rank> slow = List.of(Rank.of("a", trials(1000)), Rank.of("b", trials(1010)), Rank.of("c",
                trials(990)), Rank.of("d", trials(500)));
        StragglerOutcome out = StragglerTest.run(slow);
        assertEquals(1, out.findings().size(), out.toString());
        Finding d = out.findings().get(0);
        assertEquals("d", d.rankId());
        assertEquals(0.5, d.deficit(), 0.01);
        assertTrue(d.adjustedP() < 0.01 && d.deficitLow() > 0.3 && d.confidence() > 0.99, d.toString());
        assertEquals(4, out.tests());

        List<Rank> healthy = List.of(Rank.of("a", trials(1000)), Rank.of("b", trials(1010)), Rank.of("c",
                trials(990)), Rank.of("d", trials(1005)));
        assertFalse(StragglerTest.run(healthy).anyStraggler());
    }

    /**
     * The same on random fleets of 4 (CV 10%, 5 trials): with so few ranks their spread is poorly known and the t
     * tail with 3 degrees of freedom is wide, so a rank at half speed is flagged in about two thirds of fleets, not
     * all. A fleet without it must not raise a false alarm more often than alpha allows.
     */
    @Test
    void fleetsOfFourWithRandomNoise() {
        Shape four = new Shape(4, 0.0, Spread.LOG_NORMAL, 0.10, Noise.NORMAL, 5, 5);
        int fleets = 1000;
        long seed = SEED + 1;
        double[] deficits = new double[fleets];
        int found = count(fleets, seed, rnd -> {
            StragglerOutcome out = StragglerTest.run(SimulatedFleet.draw(rnd, four, 0.5).ranks());
            return out.findings().size() == 1 && out.findings().get(0).rankId().equals("gpu0") ? 1 : 0;
        });
        int falseAlarms = count(fleets, seed, rnd -> StragglerTest.run(SimulatedFleet.draw(rnd, four).ranks())
                .anyStraggler() ? 1 : 0);
        String at = "seed " + seed + ", " + fleets + " fleets: half-speed rank found in " + found
                + ", false alarms without it " + falseAlarms;
        System.out.println("fleets of 4: " + at);
        assertTrue(found >= 0.5 * fleets, at);
        assertTrue(falseAlarms <= bound(fleets) * fleets, at);
    }

    @Test
    void aRank30PercentSlowAmongEightIsFlagged() {
        Shape eight = new Shape(8, 0.0, Spread.LOG_NORMAL, 0.03, Noise.NORMAL, 5, 5);
        long seed = SEED + 2;
        StragglerOutcome one = StragglerTest.run(SimulatedFleet.draw(new SplittableRandom(seed), eight, 0.3)
                .ranks());
        assertEquals(List.of("gpu0"), one.stragglers().stream().map(Finding::rankId).toList(), "seed " + seed);
        assertEquals(0.3, one.findings().get(0).deficit(), 0.05, "seed " + seed);

        int fleets = 1000;
        int found = count(fleets, seed, rnd -> StragglerTest.run(SimulatedFleet.draw(rnd, eight, 0.3).ranks())
                .stragglers().stream().map(Finding::rankId).toList().equals(List.of("gpu0")) ? 1 : 0);
        int falseAlarms = count(fleets, seed, rnd -> StragglerTest.run(SimulatedFleet.draw(rnd, eight).ranks())
                .anyStraggler() ? 1 : 0);
        String at = "seed " + seed + ", " + fleets + " fleets of 8: found alone in " + found
                + ", false alarms without it " + falseAlarms;
        System.out.println(at);
        assertTrue(found >= 0.99 * fleets, at);
        assertTrue(falseAlarms <= bound(fleets) * fleets, at);
    }

    @Test
    void identicalSamplesEverywhereGiveNoFindingAndNoNaN() {
        List<Rank> same = IntStream.range(0, 5).mapToObj(r -> Rank.of("r" + r, new double[] {100, 100, 100},
                new double[] {7.5})).toList();
        StragglerOutcome out = StragglerTest.run(same, new Options(0.01, 0.0));
        assertFalse(out.anyStraggler());
        assertEquals(10, out.all().size());
        for (Finding f : out.all()) {
            double[] figures = {f.deficit(), f.deficitLow(), f.z(), f.pValue(), f.adjustedP(), f.confidence()};
            assertTrue(Arrays.stream(figures).noneMatch(Double::isNaN), f.toString());
            assertEquals(0, f.z());
            assertEquals(0, f.deficit());
        }
        for (PointSpread p : out.points()) {
            assertEquals(0, p.relativeSpread());
            assertEquals(0, p.gpuSpread());
            assertEquals(0, p.trialNoise());
        }
        assertEquals(100, out.points().get(0).medianThroughput(), 1e-9);
        assertEquals(List.of("point 1: no rank has two trials, so trial noise is unknown and the ranks are judged"
                + " by their spread alone"), out.notes());
    }

    @Test
    void withNoNoiseAtAllMinDeficitAloneDecides() {
        List<Rank> ranks = List.of(Rank.of("a", new double[] {100, 100}), Rank.of("b", new double[] {100, 100}),
                Rank.of("c", new double[] {100, 100}), Rank.of("d", new double[] {90, 90}),
                Rank.of("e", new double[] {99, 99}));
        StragglerOutcome out = StragglerTest.run(ranks);
        assertEquals(List.of("d"), out.stragglers().stream().map(Finding::rankId).toList());
        assertEquals(Double.NEGATIVE_INFINITY, out.findings().get(0).z());
        assertEquals(0.1, out.findings().get(0).deficitLow(), 1e-12);
    }

    /**
     * The family-wise false-alarm rate on fleets of 2000 GPUs drawn alike: GPUs differing log-normally by 1–2%
     * (sigma drawn per fleet), trials with CV 3%, 5–10 trials. At most alpha plus three binomial standard errors
     * of the fleets may have any straggler.
     */
    @Test
    void falseAlarmsInLargeFleetsStayWithinAlpha() {
        long seed = SEED + 3;
        int alarms = count(FLEETS, seed, rnd -> StragglerTest.run(SimulatedFleet.draw(rnd, anySigma(rnd, FLEET))
                .ranks()).anyStraggler() ? 1 : 0);
        report("log-normal GPUs, normal trial noise", seed, alarms);
    }

    /** The same with heavy-tailed trial noise (t with 3 df): the medians keep a wild trial from moving a rank. */
    @Test
    void heavyTailedTrialNoiseRaisesNoFalseAlarms() {
        long seed = SEED + 4;
        Shape heavy = new Shape(GPUS, 0.015, Spread.LOG_NORMAL, 0.03, Noise.STUDENT_T3, 5, 10);
        int alarms = count(FLEETS, seed, rnd -> StragglerTest.run(SimulatedFleet.draw(rnd, anySigma(rnd, heavy))
                .ranks()).anyStraggler() ? 1 : 0);
        report("log-normal GPUs, t3 trial noise", seed, alarms);
    }

    /**
     * GPUs that differ by heavy-tailed amounts (t with 5 df, scale 1–2%): such a fleet of 2000 holds GPUs that are
     * really 5–15% slower than its median, and they are flagged, rightly. What must stay rare is a finding for a
     * GPU whose true deficit is below minDeficit: fleets with any such finding are held to the same bound.
     */
    @Test
    void heavyTailedGpuSpreadFlagsOnlyGpusThatAreReallyThatSlow() {
        long seed = SEED + 5;
        Shape heavy = new Shape(GPUS, 0.015, Spread.STUDENT_T5, 0.03, Noise.NORMAL, 5, 10);
        // Per fleet: 1 if it has any finding, plus 2 if one of them is a GPU less than minDeficit slow.
        int[] outcomes = each(FLEETS, seed, rnd -> {
            SimulatedFleet f = SimulatedFleet.draw(rnd, anySigma(rnd, heavy));
            List<Finding> found = StragglerTest.run(f.ranks()).findings();
            boolean wrong = found.stream().anyMatch(x -> f.trueDeficit(index(x)) < DEFAULTS.minDeficit());
            return (found.isEmpty() ? 0 : 1) + (wrong ? 2 : 0);
        });
        long any = Arrays.stream(outcomes).filter(o -> (o & 1) != 0).count();
        int wrong = (int) Arrays.stream(outcomes).filter(o -> (o & 2) != 0).count();
        System.out.println("t5 GPUs: fleets with any finding " + any + "/" + FLEETS + " (real slow GPUs), seed "
                + seed);
        report("t5 GPUs, findings whose true deficit is below minDeficit", seed, wrong);
    }

    /** Power: three GPUs 15% slow in fleets of 2000 (GPU sigma 1–2%, CV 3%, 5–10 trials) are all found. */
    @Test
    void threeSlowGpusInFleetsOf2000AreFound() {
        long seed = SEED + 6;
        // Per fleet: 1 if all three are found, plus 2 if any other GPU is flagged too.
        int[] outcomes = each(POWER_FLEETS, seed, rnd -> {
            SimulatedFleet f = SimulatedFleet.draw(rnd, anySigma(rnd, FLEET), 0.15, 0.15, 0.15);
            StragglerOutcome out = StragglerTest.run(f.ranks());
            List<String> ids = out.stragglers().stream().map(Finding::rankId).sorted().toList();
            return (ids.containsAll(List.of("gpu0", "gpu1", "gpu2")) ? 1 : 0)
                    + (ids.stream().anyMatch(id -> index(id) >= 3) ? 2 : 0);
        });
        long found = Arrays.stream(outcomes).filter(o -> (o & 1) != 0).count();
        long others = Arrays.stream(outcomes).filter(o -> (o & 2) != 0).count();
        String at = "seed " + seed + ": all three found in " + found + "/" + POWER_FLEETS + " fleets, another GPU"
                + " flagged in " + others;
        System.out.println("power: " + at);
        assertTrue(found >= 0.95 * POWER_FLEETS, at);
        assertTrue(others <= bound(POWER_FLEETS) * POWER_FLEETS, at);
    }

    @Test
    void pointsWithTooFewRanksAreNotTestedAndSaySo() {
        List<Rank> ranks = List.of(Rank.of("a", new double[] {10, 11}, new double[] {5}, null),
                Rank.of("b", new double[] {10, 10.5}, new double[0], null),
                Rank.of("c", new double[] {10.2}, new double[0], null),
                Rank.of("d", null, new double[] {4.9, 5.1}, null));
        StragglerOutcome out = StragglerTest.run(ranks);
        assertEquals(List.of("point 1: 2 ranks, too few to test for stragglers (needs 3)",
                "point 2: no rank measured it"), out.notes());
        assertEquals(3, out.tests());
        assertTrue(out.all().stream().allMatch(f -> f.point() == 0), out.all().toString());
        assertEquals(List.of(3, 2, 0), out.points().stream().map(PointSpread::ranks).toList());
        assertEquals(List.of(true, false, false), out.points().stream().map(PointSpread::tested).toList());
        assertEquals(5, out.points().get(1).medianThroughput(), 0.1);
        assertTrue(Double.isNaN(out.points().get(2).medianThroughput()));
        assertEquals(List.of("point 0: 1 rank, too few to test for stragglers (needs 3)"),
                StragglerTest.run(List.of(Rank.of("x", new double[] {1}))).notes());
        assertEquals(List.of("no ranks: nothing to test"), StragglerTest.run(List.of()).notes());
    }

    @Test
    void eachStragglerIsListedOnceAtItsWorstPoint() {
        SplittableRandom rnd = new SplittableRandom(SEED + 7);
        List<Rank> ranks = new ArrayList<>();
        double[][] slow = {{0.2, 0.4}, {0.3, 0}};
        for (int r = 0; r < 40; r++) {
            double[][] points = new double[2][];
            for (int k = 0; k < 2; k++) {
                double speed = 1000 * (r < 2 ? 1 - slow[r][k] : 1);
                points[k] = rnd.doubles(6).map(u -> speed * (1 + 0.02 * (u - 0.5))).toArray();
            }
            ranks.add(Rank.of("gpu" + r, points));
        }
        StragglerOutcome out = StragglerTest.run(ranks);
        assertEquals(3, out.findings().size(), "seed " + (SEED + 7) + ": " + out.findings());
        assertEquals(List.of("gpu0@1", "gpu1@0"), out.stragglers().stream().map(f -> f.rankId() + "@" + f.point())
                .toList());
        assertEquals(0.4, out.stragglers().get(0).deficit(), 0.01);
        assertEquals(0.3, out.stragglers().get(1).deficit(), 0.01);
        assertEquals(1000, out.points().get(0).medianThroughput(), 5);
        assertEquals(0.02 / Math.sqrt(12), out.points().get(0).trialNoise(), 0.003);
    }

    @Test
    void anOutcomeReadsBackFromJson() throws Exception {
        List<Rank> ranks = List.of(Rank.of("a", trials(1000)), Rank.of("b", trials(1010)), Rank.of("c",
                trials(990)), Rank.of("d", trials(500)));
        StragglerOutcome out = StragglerTest.run(ranks);
        ObjectMapper json = new ObjectMapper();
        assertEquals(out, json.readValue(json.writeValueAsString(out), StragglerOutcome.class));
    }

    @Test
    void badSamplesAreRefusedNamingTheRank() {
        for (double bad : new double[] {Double.NaN, -1, 0, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Rank.of("node3/gpu5", new double[] {10, 11}, new double[] {10, bad}));
            assertTrue(e.getMessage().contains("rank node3/gpu5 at point 1") && e.getMessage().contains("samples"),
                    e.getMessage());
        }
        assertThrows(InvalidFieldException.class, () -> Rank.of(" ", new double[] {1}));
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class, () -> StragglerTest.run(
                List.of(Rank.of("a", new double[] {1}), Rank.of("b", new double[] {1}, new double[] {1}))));
        assertTrue(mismatch.getMessage().contains("rank b reports 2 points but rank a reports 1"),
                mismatch.getMessage());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> StragglerTest.run(
                List.of(Rank.of("a", new double[] {1}), Rank.of("a", new double[] {2}))));
        assertTrue(twice.getMessage().contains("two ranks are called a"), twice.getMessage());
    }

    @Test
    void optionsOutOfRangeAreRefusedNamingTheField() {
        for (double alpha : new double[] {0, -0.1, 0.51, Double.NaN}) {
            InvalidFieldException e = assertThrows(InvalidFieldException.class, () -> new Options(alpha, 0.05));
            assertEquals("alpha", e.field());
            assertTrue(e.getMessage().startsWith("alpha must be in (0, 0.5]"), e.getMessage());
        }
        for (double min : new double[] {-0.01, 1, Double.NaN}) {
            InvalidFieldException e = assertThrows(InvalidFieldException.class, () -> new Options(0.01, min));
            assertEquals("minDeficit", e.field());
            assertTrue(e.getMessage().startsWith("minDeficit must be in [0, 1)"), e.getMessage());
        }
        assertEquals(new Options(0.01, 0.05), Options.defaults());
        new Options(0.5, 0);
    }

    /** The fleet's shape with its GPU sigma drawn uniformly from 1% to 2%. */
    private static Shape anySigma(SplittableRandom rnd, Shape shape) {
        return shape.withSigma(rnd.nextDouble(0.01, 0.02));
    }

    /** The rank's index in a simulated fleet, from its id "gpuN". */
    private static int index(Finding f) {
        return index(f.rankId());
    }

    private static int index(String id) {
        return Integer.parseInt(id.substring(3));
    }

    /** Sums {@code check} over fleets 0 .. n − 1, fleet i given {@code new SplittableRandom(seed + i)}. */
    private static int count(int n, long seed, ToIntFunction<SplittableRandom> check) {
        return Arrays.stream(each(n, seed, check)).sum();
    }

    /** {@code check} of each fleet 0 .. n − 1, fleet i given {@code new SplittableRandom(seed + i)}. */
    private static int[] each(int n, long seed, ToIntFunction<SplittableRandom> check) {
        return IntStream.range(0, n).parallel().map(i -> check.applyAsInt(new SplittableRandom(seed + i))).toArray();
    }

    /** alpha plus three binomial standard errors of a rate measured on n fleets. */
    private static double bound(int n) {
        double a = DEFAULTS.alpha();
        return a + 3 * Math.sqrt(a * (1 - a) / n);
    }

    private static void report(String what, long seed, int alarms) {
        String at = what + ": " + alarms + "/" + FLEETS + " fleets with a false alarm (bound " + bound(FLEETS)
                + "), seed " + seed;
        System.out.println(at);
        assertTrue(alarms <= bound(FLEETS) * FLEETS, at);
    }
}
