package dev.tokenmeter.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tokenmeter.TokenmeterException;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.model.WeightDtype;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Choosing a backend among providers that stand in for a GPU and the CPU. */
class BackendsTest {
    /** A provider that is usable or not, and takes only bf16 models when {@code bf16Only}. */
    private record Fake(String name, int autoPriority, Availability availability, boolean bf16Only)
            implements BackendProvider {
        @Override
        public String description() {
            return "test " + name;
        }

        @Override
        public String unsupported(ModelConfig model) {
            return bf16Only && model.weightDtype() != WeightDtype.BF16 ? "bf16 only here" : null;
        }

        @Override
        public Backend open(int hostThreads) {
            throw new UnsupportedOperationException("not opened in this test");
        }
    }

    private static final Fake GPU = new Fake("gpu", 100, Availability.yes("a test GPU"), true);
    private static final Fake NO_GPU = new Fake("gpu", 100, Availability.no("no test GPU"), true);
    private static final Fake CPU = new Fake("cpu", 0, Availability.yes("always"), false);
    private static final ModelConfig BF16 = ModelPresets.get("tiny");
    private static final ModelConfig FP32 = BF16.withWeightDtype(WeightDtype.FP32);

    @Test
    void autoTakesTheUsableProviderOfHighestPriorityThatRunsTheModel() {
        assertSame(GPU, Backends.select(List.of(GPU, CPU), "auto", BF16));
        assertSame(GPU, Backends.select(List.of(GPU, CPU), "auto", null));
        assertSame(CPU, Backends.select(List.of(NO_GPU, CPU), "auto", BF16));
        // The GPU is usable but its engine does not take fp32 weights: auto falls back to the CPU.
        assertSame(CPU, Backends.select(List.of(GPU, CPU), "auto", FP32));
        assertSame(CPU, Backends.select(List.of(GPU, CPU), null, FP32));
    }

    @Test
    void whenNothingRunsTheModelEachReasonIsGiven() {
        TokenmeterException e = assertThrows(TokenmeterException.class,
                () -> Backends.select(List.of(GPU, NO_GPU), "auto", FP32));
        assertEquals("no usable backend: gpu does not run this model: bf16 only here; gpu not usable: no test GPU",
                e.getMessage());
    }

    @Test
    void aProviderNamedExplicitlyIsReturnedAndItsLoadRefusesTheModel() {
        assertSame(GPU, Backends.select(List.of(GPU, CPU), "GPU", FP32));
        TokenmeterException e = assertThrows(TokenmeterException.class,
                () -> Backends.select(List.of(NO_GPU, CPU), "gpu", BF16));
        assertEquals("backend gpu is not usable here: no test GPU", e.getMessage());
        IllegalArgumentException u = assertThrows(IllegalArgumentException.class,
                () -> Backends.select(List.of(GPU, CPU), "tpu", BF16));
        assertEquals("unknown backend 'tpu'; known: auto, gpu, cpu", u.getMessage());
    }
}
