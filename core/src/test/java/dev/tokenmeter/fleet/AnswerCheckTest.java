package dev.tokenmeter.fleet;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.engine.GreedyGeneration;
import dev.tokenmeter.scenario.fleet.FleetFixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnswerCheckTest {
    private static final String GROUP = "Test GPU / tokenmeter 1 / cuda";

    /** The fixture's outputs with {@code delta} added to every final logit of request 0 (or only to one logit). */
    private static Answer perturbed(boolean deterministic, float delta, boolean onlyTheLargest) {
        List<GreedyGeneration.Output> out = new ArrayList<>();
        for (GreedyGeneration.Output o : FleetFixtures.outputs(0)) {
            float[] l = o.finalLogits().clone();
            if (o.request() == 0) {
                int largest = 0;
                for (int i = 0; i < l.length; i++) {
                    largest = l[i] > l[largest] ? i : largest;
                }
                for (int i = 0; i < l.length; i++) {
                    if (!onlyTheLargest || i == largest) {
                        l[i] += delta;
                    }
                }
            }
            out.add(new GreedyGeneration.Output(o.request(), o.prompt(), o.generated(), l));
        }
        return Answer.of("cuda", deterministic, 42, 16, out);
    }

    private static Map<String, AnswerCheck.Verdict> check(Answer... answers) {
        List<AnswerCheck.Entry> entries = new ArrayList<>();
        for (int i = 0; i < answers.length; i++) {
            entries.add(new AnswerCheck.Entry("rank " + i, GROUP, answers[i]));
        }
        return AnswerCheck.check(entries);
    }

    @Test
    void deterministicRanksMustAgreeBitForBitWithTheirMajority() {
        Answer a = FleetFixtures.answer(0);
        Answer tiny = Answer.of("cpu", true, 42, 16, perturbedOutputs(1e-6f));
        Map<String, AnswerCheck.Verdict> v = check(a, a, tiny, a);
        assertAll(() -> assertFalse(v.get("rank 0").wrong()),
                () -> assertEquals("bit-exact with 3 other ranks", v.get("rank 0").how()),
                () -> assertTrue(v.get("rank 2").wrong()),
                () -> assertTrue(v.get("rank 2").detail().startsWith("the same tokens, but final logits whose bits"
                        + " differ"), v.get("rank 2").detail()));
    }

    private static List<GreedyGeneration.Output> perturbedOutputs(float delta) {
        List<GreedyGeneration.Output> out = new ArrayList<>();
        for (GreedyGeneration.Output o : FleetFixtures.outputs(0)) {
            float[] l = o.finalLogits().clone();
            l[5] += delta;
            out.add(new GreedyGeneration.Output(o.request(), o.prompt(), o.generated(), l));
        }
        return out;
    }

    @Test
    void nonDeterministicRanksAgreeWithinTheVerificationToleranceAndNotBeyondIt() {
        Answer a = perturbed(false, 0, false);
        // Rounding noise far inside 0.05 * rms + 5%: agrees.
        Answer close = perturbed(false, 1e-3f, false);
        // The chosen logit off by a third of itself: beyond it.
        Answer far = perturbed(false, 1.0f, true);
        Map<String, AnswerCheck.Verdict> v = check(a, close, a, far, a);
        assertAll(() -> assertFalse(v.get("rank 1").wrong(), v.get("rank 1").describe()),
                () -> assertEquals("within the verification tolerance of 4 other ranks", v.get("rank 1").how()),
                () -> assertTrue(v.get("rank 3").wrong()),
                () -> assertTrue(v.get("rank 3").detail().startsWith("final logit of token"), v.get("rank 3")
                        .detail()));
    }

    @Test
    void differentTokensDisagreeWhateverTheBackend() {
        Map<String, AnswerCheck.Verdict> v = check(FleetFixtures.answer(0), FleetFixtures.answer(0),
                FleetFixtures.answer(3));
        assertTrue(v.get("rank 2").wrong());
        assertTrue(v.get("rank 2").detail().startsWith("generated tokens differ from the majority's in request 0 from"
                + " position 3"), v.get("rank 2").detail());
    }

    @Test
    void aGroupWithoutAMajorityFlagsEveryRankAndALoneRankIsUnchecked() {
        Map<String, AnswerCheck.Verdict> v = check(FleetFixtures.answer(0), FleetFixtures.answer(1),
                FleetFixtures.answer(0), FleetFixtures.answer(1));
        assertTrue(v.values().stream().allMatch(AnswerCheck.Verdict::wrong));
        assertTrue(v.get("rank 0").detail().startsWith("no majority among the 4 ranks"));
        Map<String, AnswerCheck.Verdict> alone = check(FleetFixtures.answer(0));
        assertEquals(AnswerCheck.Status.UNCHECKED, alone.get("rank 0").status());
    }

    @Test
    void ranksOfAnotherDeviceOrSoftwareAreComparedOnlyAmongThemselves() {
        Answer a = FleetFixtures.answer(0);
        Answer b = FleetFixtures.answer(1);
        Map<String, AnswerCheck.Verdict> v = AnswerCheck.check(List.of(new AnswerCheck.Entry("r0", "A100", a),
                new AnswerCheck.Entry("r1", "A100", a), new AnswerCheck.Entry("r2", "H200", b),
                new AnswerCheck.Entry("r3", "H200", b)));
        assertTrue(v.values().stream().noneMatch(AnswerCheck.Verdict::wrong), v::toString);
    }
}
