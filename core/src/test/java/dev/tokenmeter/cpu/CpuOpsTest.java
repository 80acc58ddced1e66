package dev.tokenmeter.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.model.RopeScaling;
import dev.tokenmeter.model.WeightDtype;
import dev.tokenmeter.testing.Tolerance;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each operation of {@link CpuOps} (and the engine's {@link VectorAttention}) against a plain scalar version
 * written here from DESIGN's formulas, in double. Outputs are O(1), so fp32 rounding gives errors of a few 1e-7; the tolerances below allow about ten
 * times that, while any indexing or formula mistake moves an output by 1e-2 or more.
 */
class CpuOpsTest {
    private static final Tolerance FP32 = Tolerance.of(2e-6, 2e-6);

    // ---- rmsnorm ----

    @ParameterizedTest(name = "width {0}")
    @ValueSource(ints = {1, 7, 16, 128, 1000})
    void rmsnormMatchesFormula(int n) {
        long seed = 11 + n;
        SplittableRandom rnd = new SplittableRandom(seed);
        int tokens = 5;
        float eps = 1e-5f;
        float[] x = MatMulTest.uniform(rnd, tokens * n, 3.0f);
        x[0] = 0; // a zero element and, below, a token of all zeros: eps keeps it finite
        Arrays.fill(x, 4 * n, 5 * n, 0f);
        float[] gain = MatMulTest.uniform(rnd, n, 1.0f);
        float[] out = new float[tokens * n];
        Arrays.fill(out, Float.NaN);
        // Tokens [1, 5) only: token 0's output must stay untouched.
        CpuOps.rmsnorm(x, gain, eps, n, out, 1, tokens);
        double[] ref = new double[tokens * n];
        Arrays.fill(ref, 0, n, Double.NaN);
        for (int t = 1; t < tokens; t++) {
            double ss = 0;
            for (int i = 0; i < n; i++) {
                ss += (double) x[t * n + i] * x[t * n + i];
            }
            double inv = 1.0 / Math.sqrt(ss / n + eps);
            for (int i = 0; i < n; i++) {
                ref[t * n + i] = x[t * n + i] * inv * gain[i];
            }
        }
        FP32.assertClose("rmsnorm seed=" + seed + " n=" + n, ref, out);
    }

    // ---- RoPE ----

    /** Llama-3 scaling re-implemented from Meta's apply_scaling (llama3 reference code), not from RopeScaling. */
    static double llama3Scale(double freq, RopeScaling s) {
        double lowFreqWavelen = s.originalMaxPositions() / s.lowFreqFactor();
        double highFreqWavelen = s.originalMaxPositions() / s.highFreqFactor();
        double wavelen = 2 * Math.PI / freq;
        if (wavelen < highFreqWavelen) {
            return freq;
        } else if (wavelen > lowFreqWavelen) {
            return freq / s.factor();
        }
        double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor())
                / (s.highFreqFactor() - s.lowFreqFactor());
        return (1 - smooth) * freq / s.factor() + smooth * freq;
    }

    /** θ_i = pos · theta^(−2i/headDim), scaled where the config says so, in double. */
    static double angle(ModelConfig c, int pos, int i) {
        double freq = Math.pow(c.ropeTheta(), -2.0 * i / c.headDim());
        if (c.ropeScaling() != null) {
            freq = llama3Scale(freq, c.ropeScaling());
        }
        return pos * freq;
    }

    /** Rotate-half RoPE of one head in double: element i pairs with i + headDim/2. */
    static void ropeReference(double[] v, int offset, ModelConfig c, int pos) {
        int half = c.headDim() / 2;
        for (int i = 0; i < half; i++) {
            double a = angle(c, pos, i);
            double x1 = v[offset + i];
            double x2 = v[offset + half + i];
            v[offset + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
            v[offset + half + i] = x2 * Math.cos(a) + x1 * Math.sin(a);
        }
    }

    static ModelConfig config(int heads, int kvHeads, int headDim, double theta, RopeScaling scaling) {
        return new ModelConfig("ops-test", 64, heads * headDim, 1, heads, kvHeads, headDim, 32, theta, scaling, 1e-5,
                false, 8192, WeightDtype.BF16);
    }

    @Test
    void ropeTablesMatchTheAngleFormula() {
        for (ModelConfig c : new ModelConfig[] {ModelPresets.get("tiny"), config(2, 1, 24, 10000, null),
            ModelPresets.get("llama-3.1-8b"), config(2, 2, 16, 500000, new RopeScaling(8, 1, 4, 64))}) {
            int positions = 4100;
            float[][] tables = CpuOps.ropeTables(c, positions);
            int half = c.headDim() / 2;
            assertEquals(positions * half, tables[0].length);
            double[] refCos = new double[positions * half];
            double[] refSin = new double[positions * half];
            for (int p = 0; p < positions; p++) {
                for (int i = 0; i < half; i++) {
                    refCos[p * half + i] = Math.cos(angle(c, p, i));
                    refSin[p * half + i] = Math.sin(angle(c, p, i));
                }
            }
            // The angle is computed in double and rounded once: one float ulp near 1 is 6e-8.
            Tolerance once = Tolerance.of(1e-7, 0);
            once.assertClose("cos table of " + c.name() + " " + c.ropeScaling(), refCos, tables[0]);
            once.assertClose("sin table of " + c.name() + " " + c.ropeScaling(), refSin, tables[1]);
        }
    }

    /** The Llama-3.1 config must reach all three bands of the scaling, or the table test above proves little. */
    @Test
    void llama31ScalingCoversAllThreeBands() {
        ModelConfig c = ModelPresets.get("llama-3.1-8b");
        RopeScaling s = c.ropeScaling();
        int kept = 0;
        int divided = 0;
        int smoothed = 0;
        for (int i = 0; i < c.headDim() / 2; i++) {
            double f = Math.pow(c.ropeTheta(), -2.0 * i / c.headDim());
            double scaled = llama3Scale(f, s);
            assertEquals(scaled, s.scale(f), 1e-15 * f, "frequency " + i);
            if (scaled == f) {
                kept++;
            } else if (scaled == f / s.factor()) {
                divided++;
            } else {
                smoothed++;
            }
        }
        assertTrue(kept > 0 && divided > 0 && smoothed > 0,
                "kept " + kept + ", divided " + divided + ", smoothed " + smoothed);
    }

    @ParameterizedTest(name = "position {0}")
    @ValueSource(ints = {0, 1, 2, 7, 100, 1023, 4095})
    void ropeRotatesEveryHeadAtItsPosition(int pos) {
        for (ModelConfig c : new ModelConfig[] {ModelPresets.get("tiny"), config(3, 1, 24, 10000, null),
            config(2, 2, 128, 500000, RopeScaling.llama31()), config(2, 2, 16, 500000, new RopeScaling(8, 1, 4, 64))}) {
            long seed = 1000L * pos + c.headDim();
            SplittableRandom rnd = new SplittableRandom(seed);
            float[][] tables = CpuOps.ropeTables(c, 4096);
            int heads = c.heads();
            int offset = 5; // heads start mid-array, as K does after Q in the fused qkv row
            float[] v = MatMulTest.uniform(rnd, offset + heads * c.headDim() + 3, 2.0f);
            double[] ref = Tolerance.toDouble(v);
            CpuOps.rope(v, offset, heads, c.headDim(), tables[0], tables[1], pos);
            for (int h = 0; h < heads; h++) {
                ropeReference(ref, offset + h * c.headDim(), c, pos);
            }
            // Elements around the heads are compared too: they must be untouched.
            FP32.assertClose("rope seed=" + seed + " " + c.name() + " headDim=" + c.headDim() + " pos=" + pos
                    + " scaling=" + c.ropeScaling(), ref, v);
        }
    }

    // ---- SwiGLU ----

    @Test
    void siluMulMatchesFormula() {
        long seed = 5;
        SplittableRandom rnd = new SplittableRandom(seed);
        int ffn = 37;
        int tokens = 4;
        float[] gu = MatMulTest.uniform(rnd, tokens * 2 * ffn, 6.0f);
        // Saturated gates: silu(-100) is -3.7e-42, silu(-1000) is -0; silu(80) is 80.
        gu[2 * ffn] = -100f;
        gu[2 * ffn + 1] = -1000f;
        gu[2 * ffn + 2] = 80f;
        gu[2 * ffn + 3] = 0f;
        float[] out = new float[tokens * ffn];
        Arrays.fill(out, Float.NaN);
        CpuOps.siluMul(gu, ffn, out, 1, tokens);
        double[] ref = new double[tokens * ffn];
        Arrays.fill(ref, 0, ffn, Double.NaN);
        for (int t = 1; t < tokens; t++) {
            for (int j = 0; j < ffn; j++) {
                double g = gu[t * 2 * ffn + j];
                double up = gu[t * 2 * ffn + ffn + j];
                ref[t * ffn + j] = g / (1 + Math.exp(-g)) * up;
            }
        }
        FP32.assertClose("siluMul seed=" + seed, ref, out);
    }

    // ---- attention ----

    /** softmax(q·k/√d) over positions [0, context), then Σ p·v; one query head against its kv head. */
    static double[] attendReference(float[] q, int qo, float[] keys, float[] values, int kvDim, int kvo, int d,
            int context) {
        double[] s = new double[context];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < context; j++) {
            double dot = 0;
            for (int i = 0; i < d; i++) {
                dot += (double) q[qo + i] * keys[j * kvDim + kvo + i];
            }
            s[j] = dot / Math.sqrt(d);
            max = Math.max(max, s[j]);
        }
        double sum = 0;
        for (int j = 0; j < context; j++) {
            s[j] = Math.exp(s[j] - max);
            sum += s[j];
        }
        double[] out = new double[d];
        for (int j = 0; j < context; j++) {
            for (int i = 0; i < d; i++) {
                out[i] += s[j] / sum * values[j * kvDim + kvo + i];
            }
        }
        return out;
    }

    /** The engine's two attention kernels: the scalar one and, where the module is present, the Vector API one. */
    enum Attention {
        SCALAR,
        VECTOR;

        void attendHead(float[] q, int qo, float[] keys, float[] values, int kvDim, int kvo, int d, int context,
                float[] scores, float[] out, int oo) {
            if (this == SCALAR) {
                CpuOps.attendHead(q, qo, keys, values, kvDim, kvo, d, context, scores, out, oo);
            } else {
                Assumptions.assumeTrue(VectorSupport.available(), "the JVM was started without --add-modules"
                        + " jdk.incubator.vector: no vector attention to test");
                VectorAttention.attendHead(q, qo, keys, values, kvDim, kvo, d, context, scores, out, oo);
            }
        }
    }

    static Stream<Arguments> attentionCases() {
        List<Arguments> out = new ArrayList<>();
        for (Attention a : Attention.values()) {
            for (int context : new int[] {1, 2, 3, 17, 300, 2000}) {
                out.add(Arguments.of(a, context));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} context {1}")
    @MethodSource("attentionCases")
    void attendHeadMatchesSoftmaxAttentionWithGqaOffsets(Attention kernel, int context) {
        int heads = 8;
        int kvHeads = 2;
        int group = heads / kvHeads;
        // 24 is no multiple of the vector width, 32 and 128 are.
        for (int d : new int[] {24, 32, 128}) {
            long seed = 31L * context + d;
            SplittableRandom rnd = new SplittableRandom(seed);
            int kvDim = kvHeads * d;
            int maxContext = context + 5; // cached positions past the context must be ignored
            float[] keys = MatMulTest.uniform(rnd, maxContext * kvDim, 1.0f);
            float[] values = MatMulTest.uniform(rnd, maxContext * kvDim, 1.0f);
            for (int j = context; j < maxContext; j++) {
                Arrays.fill(keys, j * kvDim, (j + 1) * kvDim, 1e30f);
                Arrays.fill(values, j * kvDim, (j + 1) * kvDim, Float.NaN);
            }
            // Queries large enough for sharp softmax peaks (scores up to ~±30), which the max shift must survive.
            float[] q = MatMulTest.uniform(rnd, heads * d, 4.0f);
            float[] scores = new float[maxContext + 7];
            Arrays.fill(scores, Float.NaN);
            // Output heads start at an odd offset, with stale values in them and a guard after them.
            float[] out = new float[3 + heads * d + 2];
            Arrays.fill(out, 1e6f);
            for (int head = 0; head < heads; head++) {
                int kvo = (head / group) * d;
                kernel.attendHead(q, head * d, keys, values, kvDim, kvo, d, context, scores, out, 3 + head * d);
                double[] ref = attendReference(q, head * d, keys, values, kvDim, kvo, d, context);
                float[] got = Arrays.copyOfRange(out, 3 + head * d, 3 + (head + 1) * d);
                FP32.assertClose(kernel + " attendHead seed=" + seed + " d=" + d + " context=" + context + " head="
                        + head + " kv head=" + head / group, ref, got);
            }
            assertEquals(1e6f, out[0]);
            assertEquals(1e6f, out[out.length - 1]);
        }
    }

    @ParameterizedTest
    @EnumSource(Attention.class)
    void attendHeadWithOnePositionReturnsItsValue(Attention kernel) {
        SplittableRandom rnd = new SplittableRandom(3);
        int d = 32;
        float[] q = MatMulTest.uniform(rnd, d, 10f);
        float[] k = MatMulTest.uniform(rnd, 2 * d, 10f);
        float[] v = MatMulTest.uniform(rnd, 2 * d, 1f);
        float[] out = new float[d];
        kernel.attendHead(q, 0, k, v, 2 * d, d, d, 1, new float[1], out, 0);
        FP32.assertClose(kernel + " context 1, seed 3", Arrays.copyOfRange(v, d, 2 * d), out);
    }

    // ---- argmax ----

    /** The lowest index of the largest non-NaN value; 0 when every value is NaN. */
    static int argmaxReference(float[] v, int from, int n) {
        int best = -1;
        for (int i = 0; i < n; i++) {
            float x = v[from + i];
            if (!Float.isNaN(x) && (best < 0 || x > v[from + best])) {
                best = i;
            }
        }
        return Math.max(best, 0);
    }

    @Test
    void argmaxHandCases() {
        assertEquals(0, CpuOps.argmax(new float[] {5}, 0, 1));
        assertEquals(1, CpuOps.argmax(new float[] {1, 3, 3, 2}, 0, 4), "ties go to the lowest index");
        assertEquals(2, CpuOps.argmax(new float[] {-7, -5, -1, -3}, 0, 4), "all negative");
        assertEquals(1, CpuOps.argmax(new float[] {Float.NaN, 2, Float.NaN, 1}, 0, 4), "NaN first never wins");
        assertEquals(0, CpuOps.argmax(new float[] {1, Float.NaN, 0}, 0, 3), "NaN never wins");
        assertEquals(2, CpuOps.argmax(new float[] {Float.NaN, Float.NaN, -1e30f}, 0, 3));
        assertEquals(1, CpuOps.argmax(new float[] {Float.NEGATIVE_INFINITY, -3.4e38f}, 0, 2));
        assertEquals(0, CpuOps.argmax(new float[] {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, 0, 2));
        assertEquals(2, CpuOps.argmax(new float[] {1, 2, Float.POSITIVE_INFINITY, Float.NaN}, 0, 4));
        // Offsets: the index is relative to `from`, and elements outside [from, from + n) are ignored.
        assertEquals(1, CpuOps.argmax(new float[] {100, 1, 3, 2, 100}, 1, 3));
    }

    @Test
    void argmaxMatchesReferenceWithManyTiesAndNaNs() {
        long seed = 2024;
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int trial = 0; trial < 2000; trial++) {
            int n = 1 + rnd.nextInt(40);
            int from = rnd.nextInt(4);
            float[] v = new float[from + n + 2];
            for (int i = 0; i < v.length; i++) {
                int kind = rnd.nextInt(10);
                v[i] = kind == 0 ? Float.NaN : kind == 1 ? -0.0f : rnd.nextInt(7) - 5;
            }
            assertEquals(argmaxReference(v, from, n), CpuOps.argmax(v, from, n),
                    "seed " + seed + " trial " + trial + ": " + Arrays.toString(Arrays.copyOfRange(v, from, from + n)));
        }
    }
}
