package dev.tokenmeter.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.result.Result;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegressionGateTest {
    @Test
    void thresholdsParseAsPercentagesOrFractions() {
        for (String t : new String[] {"3%", "0.03", "3", " 3 % ", "3.0"}) {
            assertEquals(0.03, RegressionGate.parse(t).threshold(), 1e-15, t);
        }
        assertEquals(0.005, RegressionGate.parse("0.5%").threshold(), 1e-15);
        assertEquals(0.5, RegressionGate.parse("0.5").threshold(), 1e-15, "below 1 without % is a fraction");
        assertEquals(0.0, RegressionGate.parse("0").threshold());
        assertEquals(1.5, RegressionGate.parse("150%").threshold(), 1e-15);
        assertEquals("3%", RegressionGate.parse("3%").describe());
        assertEquals("0.5%", RegressionGate.parse("0.5%").describe());
        assertEquals("12.5%", RegressionGate.parse("12.5").describe());
    }

    @Test
    void badThresholdsAreRefusedWithTheText() {
        for (String t : new String[] {"abc", "-3%", "", "%", "NaN", "Infinity"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RegressionGate.parse(t));
            assertTrue(e.getMessage().contains("'" + t + "'"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new RegressionGate(-0.01));
    }

    /** Two runs of the same code (seeds apart, same noise): nothing regresses, so only what is missing can fail. */
    private static Result run(long seed) {
        return CompareFixtures.result(seed, 1.0);
    }

    private static Result stopped(Result r) {
        return new Result(r.schemaVersion(), r.tool(), r.startedAt(), r.finishedAt(), false, r.spec(),
                r.environment(), r.points(), r.warnings());
    }

    @Test
    void aCandidateLackingABaselinePointFailsTheGateSayingWhich() {
        Result first = CompareFixtures.result(81, 1.0, CompareFixtures.TRIALS, ModelPresets.get("tiny"), "cpu",
                "Test CPU 9000", List.of(CompareFixtures.POINTS.get(0)));
        Comparison c = Comparer.defaults().compare("a.json", run(80), "b.json", first);
        RegressionGate gate = RegressionGate.parse("3%");
        assertTrue(gate.failures(c).isEmpty(), "the point both have did not regress");
        assertFalse(gate.passes(c), "a gate never passes on a missing point");
        assertEquals(List.of("b.json lacks a point that a.json has: batch 4, prompt 32, output 16"), gate.missing(c));
        List<String> lines = ComparisonReport.gateLines(c, gate);
        assertEquals("MISSING: b.json lacks a point that a.json has: batch 4, prompt 32, output 16 (the gate does not"
                + " pass on points that were not measured)", lines.get(lines.size() - 1));
        assertTrue(lines.get(0).startsWith("no significant regression beyond 3%"), lines.get(0));
    }

    @Test
    void anIncompleteCandidateFailsTheGateEvenWithEveryPoint() {
        Comparison c = Comparer.defaults().compare("a.json", run(82), "b.json", stopped(run(83)));
        RegressionGate gate = RegressionGate.parse("3%");
        assertFalse(gate.passes(c));
        assertEquals(List.of("b.json is an incomplete run: it stopped before all its points were measured"),
                gate.missing(c));
        assertTrue(ComparisonReport.gateLines(c, gate).contains("MISSING: b.json is an incomplete run: it stopped"
                + " before all its points were measured (the gate does not pass on points that were not measured)"));
    }

    @Test
    void pointsOnlyTheCandidateHasOrAnIncompleteBaselineFailNothing() {
        Result first = CompareFixtures.result(85, 1.0, CompareFixtures.TRIALS, ModelPresets.get("tiny"), "cpu",
                "Test CPU 9000", List.of(CompareFixtures.POINTS.get(0)));
        Comparison c = Comparer.defaults().compare("a.json", stopped(first), "b.json", run(86));
        RegressionGate gate = RegressionGate.parse("3%");
        assertEquals(List.of(), gate.missing(c));
        assertTrue(gate.passes(c), () -> String.join("\n", ComparisonReport.gateLines(c, gate)));
    }
}
