package dev.tokenmeter.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tokenmeter.checkpoint.Bf16;
import dev.tokenmeter.checkpoint.SyntheticCheckpoint;
import dev.tokenmeter.checkpoint.SyntheticPrompts;
import dev.tokenmeter.checkpoint.TensorKind;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * synthetic.cu against core's generator, bit for bit (DESIGN's correctness ladder, step 1). Runs where the probe
 * finds a CUDA 13 driver and an sm_80+ GPU (whether or not the engine exists yet) and skips elsewhere with the
 * probe's reason.
 */
@Tag("gpu")
class SyntheticKernelsGpuTest {
    private static final ModelConfig TINY = ModelPresets.get("tiny");
    /** Mismatches printed in a failure. */
    private static final int SHOWN = 10;

    private static CudaContext context;
    private static CudaModule module;
    private static Synthetic synthetic;

    @BeforeAll
    static void open() {
        CudaProbe.Result probe = CudaProbe.result();
        if (probe.ready()) {
            context = CudaContext.open(probe.device().ordinal());
            module = CudaModule.load(CudaKernels.Image.SYNTHETIC);
            synthetic = new Synthetic(module, probe.device().multiprocessors());
        }
    }

    /** Skips each test, not the class, so that every skip is reported with its reason. */
    @BeforeEach
    void needsAGpu() {
        CudaProbe.Result probe = CudaProbe.result();
        assumeTrue(probe.ready(), () -> "no GPU to run synthetic.cu on: " + probe.reason());
    }

    @AfterAll
    static void close() {
        // Reverse order of creation; buffers are closed by each test.
        if (module != null) {
            module.close();
        }
        if (context != null) {
            context.close();
        }
    }

    /** Every tensor of tiny, for the conformance seed and one with its top bit set. */
    static Stream<Arguments> tinyTensors() {
        List<Arguments> list = new ArrayList<>();
        for (long seed : new long[] {42L, 0x9E3779B97F4A7C15L}) {
            for (TensorKind kind : TensorKind.values()) {
                if (kind == TensorKind.LM_HEAD && TINY.tiedEmbeddings()) {
                    continue;
                }
                for (int layer = 0; layer < (kind.perLayer() ? TINY.layers() : 1); layer++) {
                    list.add(Arguments.of(seed, kind, layer));
                }
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "seed {0}: {1} layer {2}")
    @MethodSource("tinyTensors")
    void tinyTensorMatchesTheCpu(long seed, TensorKind kind, int layer) {
        short[] expected = new SyntheticCheckpoint(TINY, seed).tensor(kind, layer);
        short[] actual = new short[expected.length];
        try (DeviceBuffer out = DeviceBuffer.allocate(2L * expected.length)) {
            synthetic.fillTensor(out, TINY, seed, kind, layer);
            context.synchronize();
            out.copyToHost(actual, 0);
        }
        assertBitsEqual(expected, actual, 0, "tiny seed " + seed + " " + kind + " layer " + layer);
    }

    @Test
    void llama8bLastLayerWDownSlice() {
        ModelConfig llama = ModelPresets.get("llama-3.1-8b");
        TensorKind kind = TensorKind.W_DOWN;
        int layer = llama.layers() - 1;
        long elements = kind.elements(llama);
        // The last 2^20 elements: the highest indices of the tensor (58.7 M elements, 117 MB on the device).
        int n = 1 << 20;
        long from = elements - n;
        short[] expected = new short[n];
        new SyntheticCheckpoint(llama, 42).fill(kind, layer, from, expected, 0, n);
        short[] actual = new short[n];
        try (DeviceBuffer out = DeviceBuffer.allocate(2L * elements)) {
            synthetic.fillTensor(out, llama, 42, kind, layer);
            context.synchronize();
            out.copyToHost(actual, 2L * from);
        }
        assertBitsEqual(expected, actual, from, "llama-3.1-8b layer " + layer + " w_down");
    }

    /**
     * Values the presets never produce but the kernel must treat as Java does: overflow to infinity, subnormal
     * products (no flush to zero), a negative offset, and a count that leaves the last block partly idle.
     */
    static Stream<Arguments> edgeCases() {
        return Stream.of(
                Arguments.of(42L, 1L, 1_000_003L, Float.MAX_VALUE, Float.MAX_VALUE),
                Arguments.of(-1L, Long.MIN_VALUE, 65_537L, 1e-40f, 0.0f),
                Arguments.of(7L, 1016L, 4_099L, 3.0e-39f, -1.0e-38f),
                Arguments.of(0L, 0L, 1L, 0.5f, -0.25f),
                Arguments.of(123456789L, 3L, 300_001L, 1.0f / 3.0f, -2.0f));
    }

    @ParameterizedTest(name = "seed {0}, tensor {1}, {2} elements, amp {3}, offset {4}")
    @MethodSource("edgeCases")
    void rawFillMatchesTheCpu(long seed, long tensorId, long count, float amp, float offset) {
        long key = SyntheticCheckpoint.key(seed, tensorId);
        short[] expected = new short[(int) count];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = SyntheticCheckpoint.bf16Value(key, i, amp, offset);
        }
        short[] actual = new short[expected.length];
        try (DeviceBuffer out = DeviceBuffer.allocate(2L * count)) {
            synthetic.fillBf16(out, seed, tensorId, count, amp, offset);
            context.synchronize();
            out.copyToHost(actual, 0);
        }
        assertBitsEqual(expected, actual, 0, String.format(Locale.ROOT, "seed %d tensor %d amp %s offset %s", seed,
                tensorId, amp, offset));
    }

    @Test
    void conformancePrompt() {
        assertArrayEquals(new int[] {181, 329, 125, 292, 52, 129, 472, 89}, devicePrompt(42, 0, 8, 512));
    }

    static Stream<Arguments> prompts() {
        return Stream.of(
                Arguments.of(42L, 0, 8, 512),
                Arguments.of(42L, 123_456, 4_096, 128_256),
                Arguments.of(-1L, -1, 1_000, 32_000),
                Arguments.of(7L, Integer.MAX_VALUE, 300_001, 128_256),
                Arguments.of(0x70C3E5L, 5, 257, 1));
    }

    @ParameterizedTest(name = "seed {0}, request {1}, {2} tokens, vocab {3}")
    @MethodSource("prompts")
    void promptMatchesTheCpu(long seed, int request, int length, int vocab) {
        int[] expected = SyntheticPrompts.prompt(seed, request, length, vocab);
        int[] actual = devicePrompt(seed, request, length, vocab);
        List<String> bad = new ArrayList<>();
        int mismatches = 0;
        for (int p = 0; p < length; p++) {
            if (expected[p] != actual[p]) {
                if (++mismatches <= SHOWN) {
                    bad.add("position " + p + ": expected " + expected[p] + ", got " + actual[p]);
                }
            }
        }
        if (mismatches > 0) {
            fail(mismatches + " of " + length + " prompt tokens differ (seed " + seed + ", request " + request
                    + "); first:\n  " + String.join("\n  ", bad));
        }
    }

    private static int[] devicePrompt(long seed, int request, int length, int vocab) {
        int[] tokens = new int[length];
        try (DeviceBuffer out = DeviceBuffer.allocate(4L * length)) {
            synthetic.promptTokens(out, seed, request, length, vocab);
            context.synchronize();
            out.copyToHost(tokens, 0);
        }
        return tokens;
    }

    /** Fails with the count of differing elements and the first few, by tensor index, as bits and values. */
    static void assertBitsEqual(short[] expected, short[] actual, long firstIndex, String what) {
        List<String> bad = new ArrayList<>();
        int mismatches = 0;
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != actual[i]) {
                if (++mismatches <= SHOWN) {
                    bad.add(String.format(Locale.ROOT, "index %d: expected 0x%04x (%s), got 0x%04x (%s)",
                            firstIndex + i, expected[i] & 0xFFFF, Bf16.toFloat(expected[i]), actual[i] & 0xFFFF,
                            Bf16.toFloat(actual[i])));
                }
            }
        }
        if (mismatches > 0) {
            fail(what + ": " + mismatches + " of " + expected.length + " bf16 elements differ from the CPU"
                    + " generator; first:\n  " + String.join("\n  ", bad));
        }
    }
}
