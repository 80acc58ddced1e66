package dev.tokenmeter.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.metrics.TrialRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The JMH benchmarks are run by hand (docs/benchmarks.md), never by the build; this only checks, in a second,
 * that they are registered and that one call of each works and counts its work as documented.
 */
class BenchmarksSmokeTest {
    @Test
    void everyBenchmarkIsListed() throws IOException {
        String list;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/BenchmarkList")) {
            assertNotNull(in, "the JMH annotation processor wrote no BenchmarkList");
            list = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // Each benchmark method has a generated class named after it.
        for (String b : new String[] {"dev.tokenmeter.jmh.jmh_generated.MatMulBenchmark_product_jmhTest",
                "dev.tokenmeter.jmh.jmh_generated.AttentionBenchmark_decodeToken_jmhTest",
                "dev.tokenmeter.jmh.jmh_generated.HarnessOverheadBenchmark_harnessTrial_jmhTest",
                "dev.tokenmeter.jmh.jmh_generated.HarnessOverheadBenchmark_rawSteps_jmhTest",
                "dev.tokenmeter.jmh.jmh_generated.SchedulerOverheadBenchmark_serve_jmhTest"}) {
            assertTrue(list.contains(b), b + " missing from the BenchmarkList");
        }
    }

    @Test
    void matMulCountsTwoFlopsPerMultiplyAdd() {
        float[][] products = new float[2][];
        String[] kernels = {"vector", "scalar"};
        for (int k = 0; k < kernels.length; k++) {
            MatMulBenchmark b = new MatMulBenchmark();
            b.shape = "64x48";
            b.tokens = 8;
            b.kernel = kernels[k];
            b.threads = 2;
            b.setUp();
            Work w = new Work();
            try {
                products[k] = b.product(w).clone();
                assertEquals(8 * 48, products[k].length);
            } finally {
                b.tearDown();
            }
            assertEquals(2L * 8 * 64 * 48, w.flops);
            assertEquals(2L * 64 * 48 + 4L * 8 * (64 + 48), w.bytes);
        }
        assertSameUpToRounding(products[0], products[1]);
    }

    /** Both kernels compute the same thing: only the order of the float additions differs. */
    private static void assertSameUpToRounding(float[] vector, float[] scalar) {
        double largest = 0;
        for (float v : scalar) {
            assertTrue(Float.isFinite(v));
            largest = Math.max(largest, Math.abs(v));
        }
        assertTrue(largest > 0, "not all zero");
        for (int i = 0; i < scalar.length; i++) {
            assertEquals(scalar[i], vector[i], 1e-4 * largest, "element " + i);
        }
    }

    @Test
    void anUnknownKernelIsRefused() {
        MatMulBenchmark b = new MatMulBenchmark();
        b.shape = "64x48";
        b.tokens = 1;
        b.kernel = "simd";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::setUp);
        assertEquals("kernel must be vector or scalar, got simd", e.getMessage());
        b.kernel = "scalar";
        b.shape = "64";
        assertThrows(IllegalArgumentException.class, b::setUp);
    }

    @Test
    void attentionCountsQkAndPv() {
        float[][] outputs = new float[2][];
        String[] kernels = {"vector", "scalar"};
        for (int k = 0; k < kernels.length; k++) {
            AttentionBenchmark b = new AttentionBenchmark();
            b.heads = 12;
            b.headDim = 64;
            b.context = 16;
            b.kernel = kernels[k];
            b.threads = 2;
            b.setUp();
            Work w = new Work();
            try {
                outputs[k] = b.decodeToken(w).clone();
                assertEquals(12 * 64, outputs[k].length);
                assertTrue(Float.isFinite(outputs[k][0]));
            } finally {
                b.tearDown();
            }
            assertEquals(4L * 12 * 64 * 16, w.flops);
            assertEquals(2L * 16 * 12 * 64 * 4 + 2L * 12 * 64 * 4, w.bytes);
        }
        assertSameUpToRounding(outputs[0], outputs[1]);
    }

    @Test
    void harnessAndRawLoopRunTheSameSteps() throws Throwable {
        HarnessOverheadBenchmark b = new HarnessOverheadBenchmark();
        b.model = "tiny";
        b.threads = 1;
        b.setUp();
        try {
            TrialRecord t = b.harnessTrial();
            assertEquals(HarnessOverheadBenchmark.STEPS, t.decodeStepMs().length + 1, "prefill plus decode steps");
            int last = b.rawSteps();
            assertTrue(last >= 0 && last < 512, "a token of tiny's vocabulary: " + last);
        } finally {
            b.tearDown();
        }
    }

    @Test
    void theSchedulerBenchmarkServesEveryRequestAndCountsItsSteps() {
        SchedulerOverheadBenchmark b = new SchedulerOverheadBenchmark();
        b.requests = 4;
        b.prompt = 3000;
        b.output = 5;
        b.model = "tiny";
        b.setUp();
        SchedulerOverheadBenchmark.Steps counter = new SchedulerOverheadBenchmark.Steps();
        long steps = b.serve(counter);
        // 12,000 prompt tokens take at least 6 steps of 2048; the last prompt to end then needs 4 decode steps.
        assertTrue(steps >= 10 && steps <= 20, "steps: " + steps);
        assertEquals(steps, counter.steps);
        b.serve(counter);
        assertEquals(2 * steps, counter.steps, "the same requests take the same steps again");
    }
}
