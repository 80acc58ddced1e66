package dev.tokenmeter.scenario.offline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.InvalidFieldException;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.result.RunSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The offline spec checks itself when made, naming the record component at fault; its points are in run order. */
class OfflineSpecTest {
    private static final MeasurementPolicy POLICY = new MeasurementPolicy(0, 1, 1, 0);

    private static void assertRefused(String field, Executable make) {
        InvalidFieldException e = assertThrows(InvalidFieldException.class, make);
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(field + " "), e.getMessage());
    }

    @Test
    void aFieldOutOfRangeIsRefusedByName() {
        assertRefused("batchSizes", () -> new OfflineSpec(List.of(), List.of(8), List.of(4), POLICY));
        assertRefused("batchSizes", () -> new OfflineSpec(null, List.of(8), List.of(4), POLICY));
        assertRefused("batchSizes", () -> new OfflineSpec(List.of(1, 0), List.of(8), List.of(4), POLICY));
        assertRefused("batchSizes", () -> new OfflineSpec(Arrays.asList(1, null), List.of(8), List.of(4), POLICY));
        assertRefused("promptLengths", () -> new OfflineSpec(List.of(1), List.of(), List.of(4), POLICY));
        assertRefused("promptLengths", () -> new OfflineSpec(List.of(1), List.of(-8), List.of(4), POLICY));
        assertRefused("outputLengths", () -> new OfflineSpec(List.of(1), List.of(8), List.of(0), POLICY));
        assertRefused("outputLengths", () -> new OfflineSpec(List.of(1), List.of(8), null, POLICY));
        assertRefused("measurement", () -> new OfflineSpec(List.of(1), List.of(8), List.of(4), null));
        assertEquals("batchSizes must be >= 1, got 0", assertThrows(InvalidFieldException.class,
                () -> new OfflineSpec(List.of(0), List.of(8), List.of(4), POLICY)).getMessage());
        assertEquals("promptLengths needs at least one value", assertThrows(InvalidFieldException.class,
                () -> new OfflineSpec(List.of(1), List.of(), List.of(4), POLICY)).getMessage());
    }

    @Test
    void theBuilderLeavesTheChecksToTheSpec() {
        assertRefused("batchSizes", () -> Benchmark.offline().model("tiny").batchSizes(0).spec());
        assertRefused("promptLengths", () -> Benchmark.offline().model("tiny").promptLengths().spec());
        assertRefused("outputLengths", () -> Benchmark.offline().model("tiny").outputLengths(-1).spec());
        assertRefused("minTrials", () -> Benchmark.offline().model("tiny")
                .measurement(new MeasurementPolicy(0, 0, 1, 0)).spec());
        assertThrows(NullPointerException.class, () -> Benchmark.offline().measurement(null));
    }

    @Test
    void pointsRunBatchOutermostThenPromptThenOutput() {
        OfflineSpec s = new OfflineSpec(List.of(1, 4), List.of(8, 16), List.of(2, 3), POLICY);
        List<String> labels = s.points().stream().map(OfflineSpec.Point::label).toList();
        assertEquals(List.of(
                "batch 1, prompt 8, output 2", "batch 1, prompt 8, output 3",
                "batch 1, prompt 16, output 2", "batch 1, prompt 16, output 3",
                "batch 4, prompt 8, output 2", "batch 4, prompt 8, output 3",
                "batch 4, prompt 16, output 2", "batch 4, prompt 16, output 3"), labels);
        assertEquals(4, s.maxBatch());
        assertEquals(19, s.maxContext(), "the longest prompt and the longest output together");
    }

    @Test
    void theSpecKeepsItsOwnCopies() {
        List<Integer> batches = new ArrayList<>(List.of(1, 2));
        OfflineSpec s = new OfflineSpec(batches, List.of(8), List.of(4), POLICY);
        batches.add(0);
        assertEquals(List.of(1, 2), s.batchSizes());
        assertThrows(UnsupportedOperationException.class, () -> s.batchSizes().add(3));
    }

    @Test
    void aRunSpecRefusesAPointLongerThanTheModel() {
        OfflineSpec tooLong = new OfflineSpec(List.of(1), List.of(8, 4000), List.of(97), POLICY);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RunSpec(ModelPresets.get("tiny"), "cpu", 42, 0, null, tooLong));
        assertTrue(e.getMessage().contains("4097 exceeds the 4096 positions of model tiny"), e.getMessage());
        new RunSpec(ModelPresets.get("tiny"), "cpu", 42, 0, null,
                new OfflineSpec(List.of(1), List.of(8, 4000), List.of(96), POLICY));
    }

    @Test
    void theBuilderHasTheCommandLinesDefaultsAndCopiesASpec() {
        RunSpec spec = Benchmark.offline().model("tiny").spec();
        OfflineSpec s = (OfflineSpec) spec.scenario();
        assertEquals(List.of(1), s.batchSizes());
        assertEquals(List.of(64), s.promptLengths());
        assertEquals(List.of(32), s.outputLengths());
        assertEquals(MeasurementPolicy.defaults(), s.measurement());
        OfflineSpec given = new OfflineSpec(List.of(2, 8), List.of(16), List.of(4, 8), POLICY);
        assertEquals(given, new OfflineSpec.Builder(given).model("tiny").spec().scenario());
        assertEquals(List.of(3), ((OfflineSpec) new OfflineSpec.Builder(given).model("tiny").batchSizes(3).spec()
                .scenario()).batchSizes());
    }
}
