package dev.tokenmeter.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.checkpoint.Bf16;
import dev.tokenmeter.testing.Tolerance;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both matrix products against a plain triple loop in double, over a grid of shapes chosen around the kernels'
 * edges: tokens around the 4-token tile and past the vector kernel's 64-token block (70 = 64 + one 4-token tile
 * + 2), inputs around the vector width (16 lanes at 512 bits, 8 at 256), outputs around the 4-row tile and the
 * 16-row block; every chunk of rows the way {@link Parallel} cuts them.
 */
class MatMulTest {
    private static final int[] TOKENS = {1, 2, 3, 4, 5, 7, 8, 17, 70};
    private static final int[] INPUTS = {1, 15, 16, 17, 64, 100, 768};
    private static final int[] OUTPUTS = {1, 3, 4, 5, 16, 17, 33, 64};

    /*
     * Weights carry the checkpoint's amplitude sqrt(3 / in) and inputs are in [-1, 1), so every output is O(1)
     * whatever the width, like the engine's. fp32 sums of up to 768 such products are off by a few ulp of the
     * partial sums (measured over this grid: at most 7e-7 for both kernels at 512 bits); 5e-6 leaves room for
     * other lane counts and summation orders, while a wrong row, token, tail element or a stale scratch value
     * moves an output by O(0.01 .. 1).
     */
    private static final Tolerance TOL = Tolerance.of(5e-6, 1e-5);


    static Stream<Arguments> grid() {
        List<Arguments> out = new ArrayList<>();
        for (Kernel k : Kernel.values()) {
            for (int t : TOKENS) {
                for (int in : INPUTS) {
                    out.add(Arguments.of(k, t, in));
                }
            }
        }
        return out.stream();
    }

    /** The ranges a product of {@code out} rows is run over: all, each aligned chunk, and aligned spans of two. */
    static List<int[]> ranges(int out, int align) {
        List<int[]> r = new ArrayList<>();
        r.add(new int[] {0, out});
        for (int from = 0; from < out; from += align) {
            r.add(new int[] {from, Math.min(out, from + align)});
            if (from + align < out) {
                r.add(new int[] {from, Math.min(out, from + 2 * align)});
            }
        }
        return r;
    }

    @ParameterizedTest(name = "{0} tokens={1} in={2}")
    @MethodSource("grid")
    void matchesTripleLoop(Kernel kernel, int tokens, int in) {
        MatMul mm = kernel.create();
        for (int out : OUTPUTS) {
            long seed = 1_000_003L * tokens + 1009L * in + out;
            SplittableRandom rnd = new SplittableRandom(seed);
            float[] x = uniform(rnd, tokens * in, 1.0f);
            short[] w = bf16Uniform(rnd, out * in, (float) Math.sqrt(3.0 / in));
            float[] y0 = uniform(rnd, tokens * out, 1.0f);
            double[] product = reference(x, tokens, in, w, out);
            for (boolean accumulate : new boolean[] {false, true}) {
                for (int[] range : ranges(out, mm.rowAlign())) {
                    float[] y = y0.clone();
                    // Stale scratch from a previous call must never leak into a result.
                    float[] scratch = new float[mm.scratchFloats(in)];
                    Arrays.fill(scratch, Float.NaN);
                    mm.rows(x, tokens, in, w, out, y, accumulate, range[0], range[1], scratch);
                    double[] expected = new double[y.length];
                    for (int t = 0; t < tokens; t++) {
                        for (int o = 0; o < out; o++) {
                            int i = t * out + o;
                            boolean inRange = o >= range[0] && o < range[1];
                            expected[i] = !inRange ? y0[i] : accumulate ? y0[i] + product[i] : product[i];
                        }
                    }
                    String what = String.format("%s seed=%d tokens=%d in=%d out=%d accumulate=%b rows [%d, %d)",
                            mm.description(), seed, tokens, in, out, accumulate, range[0], range[1]);
                    TOL.assertClose(what, expected, y);
                    // Rows outside the range belong to other threads: not a bit of them may change.
                    for (int t = 0; t < tokens; t++) {
                        for (int o = 0; o < out; o++) {
                            if (o < range[0] || o >= range[1]) {
                                int i = t * out + o;
                                assertEquals(Float.floatToRawIntBits(y0[i]), Float.floatToRawIntBits(y[i]),
                                        what + ": row " + o + " of token " + t + " is outside the range but changed");
                            }
                        }
                    }
                }
            }
        }
    }

    /** A product split the way the engine splits it gives the same bits as one call over all rows. */
    @ParameterizedTest
    @MethodSource("kernels")
    void chunkedRowsGiveTheSameBitsAsOneCall(Kernel kernel) {
        MatMul mm = kernel.create();
        long seed = 77;
        SplittableRandom rnd = new SplittableRandom(seed);
        int tokens = 6;
        int in = 100;
        int out = 70;
        float[] x = uniform(rnd, tokens * in, 1.0f);
        short[] w = bf16Uniform(rnd, out * in, 0.2f);
        float[] whole = new float[tokens * out];
        mm.rows(x, tokens, in, w, out, whole, false, 0, out, new float[mm.scratchFloats(in)]);
        float[] pieces = new float[tokens * out];
        try (Parallel p = new Parallel(3)) {
            p.forRange(out, 1, mm.rowAlign(), (a, b) -> mm.rows(x, tokens, in, w, out, pieces, false, a, b,
                    new float[mm.scratchFloats(in)]));
        }
        for (int i = 0; i < whole.length; i++) {
            assertEquals(Float.floatToRawIntBits(whole[i]), Float.floatToRawIntBits(pieces[i]),
                    "seed " + seed + " element " + i + ": " + pieces[i] + " vs " + whole[i]);
        }
    }

    static Stream<Kernel> kernels() {
        return Stream.of(Kernel.values());
    }

    @Test
    void scratchAndAlignmentAreConsistent() {
        for (Kernel k : Kernel.values()) {
            if (k == Kernel.VECTOR && !VectorSupport.available()) {
                continue;
            }
            MatMul mm = k.make.get();
            assertTrue(mm.rowAlign() >= 1, mm.description());
            // A thread widens at most rowAlign rows of `in` inputs into its scratch.
            assertTrue(mm.scratchFloats(768) >= mm.rowAlign() * 768, mm.description());
            assertTrue(!mm.description().isBlank());
        }
    }

    // ---- Parallel.forRange ----

    @Test
    void forRangeCoversEveryIndexExactlyOnceInAlignedChunks() {
        int[] ns = {0, 1, 2, 3, 5, 15, 16, 17, 31, 33, 63, 64, 65, 100, 127, 1000, 4097};
        int[] grains = {1, 2, 4, 16, 100, 1 << 16};
        int[] aligns = {1, 3, 4, 16, 1024};
        int[] threadCounts = {1, 2, 3, 4, 8};
        for (int threads : threadCounts) {
            try (Parallel p = new Parallel(threads)) {
                assertEquals(threads, p.threads());
                for (int n : ns) {
                    for (int grain : grains) {
                        for (int align : aligns) {
                            checkCover(p, n, grain, align);
                        }
                    }
                }
            }
        }
    }

    /**
     * Back-to-back loops are where a worker still finishing one loop could take a chunk of the next: thousands of
     * short loops in a row, more threads than cores, each index exactly once every time.
     */
    @Test
    void backToBackLoopsNeverShareChunks() {
        for (int threads : new int[] {3, 4, 8}) {
            try (Parallel p = new Parallel(threads)) {
                for (int round = 0; round < 20_000; round++) {
                    checkCover(p, 8 + round % 61, 1, 1 + round % 3);
                }
            }
        }
    }

    private static void checkCover(Parallel p, int n, int grain, int align) {
        String what = "threads=" + p.threads() + " n=" + n + " grain=" + grain + " align=" + align;
        AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
        List<int[]> chunks = java.util.Collections.synchronizedList(new ArrayList<>());
        p.forRange(n, grain, align, (from, to) -> {
            chunks.add(new int[] {from, to});
            for (int i = from; i < to; i++) {
                hits.incrementAndGet(i);
            }
        });
        for (int i = 0; i < n; i++) {
            assertEquals(1, hits.get(i), what + ": index " + i + " run " + hits.get(i) + " times");
        }
        if (n == 0) {
            assertTrue(chunks.isEmpty(), what + ": an empty range ran its body");
            return;
        }
        int maxChunks = Math.max(1, n / grain);
        assertTrue(chunks.size() <= maxChunks, what + ": " + chunks.size() + " chunks for at most " + maxChunks);
        for (int[] c : chunks) {
            assertTrue(c[0] < c[1], what + ": empty chunk " + Arrays.toString(c));
            // Parallel runs everything as one chunk [0, n) when it does not split; that is aligned too.
            assertEquals(0, c[0] % align, what + ": chunk " + Arrays.toString(c) + " starts off the alignment");
            assertTrue(c[1] == n || c[1] % align == 0,
                    what + ": chunk " + Arrays.toString(c) + " ends off the alignment before n");
        }
    }

    @Test
    void forRangeRunsOnSeveralThreadsAndPropagatesFailures() {
        try (Parallel p = new Parallel(2)) {
            RuntimeException boom = new IllegalStateException("boom");
            RuntimeException thrown = assertThrows(RuntimeException.class, () -> p.forRange(64, 1, 1, (a, b) -> {
                if (a == 0) {
                    throw boom;
                }
            }));
            // ForkJoin may rethrow a copy of the exception; its type and message must survive.
            assertTrue(thrown == boom || thrown.getCause() == boom || "boom".equals(thrown.getMessage()),
                    "unexpected " + thrown);
            // The pool still works after a failed loop.
            AtomicIntegerArray hits = new AtomicIntegerArray(64);
            p.forRange(64, 1, 1, (a, b) -> {
                for (int i = a; i < b; i++) {
                    hits.incrementAndGet(i);
                }
            });
            for (int i = 0; i < 64; i++) {
                assertEquals(1, hits.get(i));
            }
        }
        try (Parallel single = new Parallel(1)) {
            Thread caller = Thread.currentThread();
            single.forRange(1000, 1, 1, (a, b) -> assertSame(caller, Thread.currentThread()));
        }
    }

    // ---- helpers ----

    static float[] uniform(SplittableRandom rnd, int n, float amp) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((2 * rnd.nextDouble() - 1) * amp);
        }
        return v;
    }

    static short[] bf16Uniform(SplittableRandom rnd, int n, float amp) {
        short[] v = new short[n];
        for (int i = 0; i < n; i++) {
            v[i] = Bf16.fromFloat((float) ((2 * rnd.nextDouble() - 1) * amp));
        }
        return v;
    }

    /** y[t][o] = Σ_i x[t][i] · W[o][i], in double, with W widened exactly from bf16. */
    static double[] reference(float[] x, int tokens, int in, short[] w, int out) {
        double[] y = new double[tokens * out];
        for (int t = 0; t < tokens; t++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int i = 0; i < in; i++) {
                    s += (double) x[t * in + i] * Bf16.toFloat(w[o * in + i]);
                }
                y[t * out + o] = s;
            }
        }
        return y;
    }
}
