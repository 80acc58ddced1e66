package dev.tokenmeter.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.cpu.CpuBackendProvider;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.GreedyGeneration;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaultTest {
    private static final ModelConfig TINY = ModelPresets.get("tiny");

    private static Answer answer(int threads, Fault fault) {
        try (Backend b = new CpuBackendProvider().open(threads);
                Engine loaded = b.load(TINY, EngineOptions.of(42, 4, 24))) {
            Engine e = fault == null ? loaded : fault.apply(loaded);
            return Answer.of(b.name(), b.deterministic(), 42, 16, GreedyGeneration.run(e, 42, 4, 16, 8));
        }
    }

    @Test
    void theCpuBackendGivesTheSameBitsWhateverItsThreadsSoItsRanksAreComparedBitForBit() {
        Answer one = answer(1, null);
        Answer two = answer(2, null);
        assertTrue(one.deterministic());
        assertTrue(one.bitExact(two), one + " vs " + two);
        assertTrue(one.bitExact(answer(1, null)));
    }

    @Test
    void wrongAnswersChangeTheChosenLogitsFinalBitsAndNothingElse() {
        Answer good = answer(1, null);
        Answer bad = answer(1, Fault.parse("wrong-answers"));
        assertTrue(good.sameTokens(bad), "the device chose its tokens before the bits flipped");
        assertFalse(good.bitExact(bad));
        assertNotEquals(good.top().get(0).get(0).value(), bad.top().get(0).get(0).value());
    }

    @Test
    void aSlowFaultStretchesEveryStepOnTheHostAndTheDeviceClock() {
        try (Backend b = new CpuBackendProvider().open(1);
                Engine e = Fault.parse("slow:3").apply(b).load(TINY, EngineOptions.of(42, 1, 24))) {
            long start = System.nanoTime();
            var r = e.step(new dev.tokenmeter.engine.StepBatch(List.of(new dev.tokenmeter.engine.SequenceChunk(0, 0,
                    new int[] {1, 2, 3, 4})), false));
            long wall = System.nanoTime() - start;
            // The step ran, then waited twice its own time: the wall time is at least three device times' worth
            // of the step's own wall time, which itself is at least its device time.
            assertTrue(wall >= r.deviceNanos() * 0.99, () -> "wall " + wall + " ns, device " + r.deviceNanos());
            assertTrue(r.deviceNanos() > 0);
        }
    }

    @Test
    void faultsAreParsedAndRefusedByName() {
        assertEquals("slow:2.5", Fault.parse("slow:2.5").toString());
        assertEquals("wrong-answers", Fault.parse(" WRONG-ANSWERS ").toString());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Fault.parse("slow:1")).getMessage()
                .contains("(1, 1000]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Fault.parse("hot")).getMessage()
                .startsWith("a fault is slow:FACTOR"));
        assertEquals("crash", Fault.parse("crash").toString());
    }
}
