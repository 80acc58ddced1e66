package dev.tokenmeter.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The matrix product on the JVM's Vector API (an incubator module in Java 17; only loaded where the module is
 * present). A block of weight rows is widened from bf16 to fp32 once into per-thread scratch (shift left by 16),
 * then a 4-row × 4-token register tile accumulates 16 dot products at a time, so each vector load feeds four FMAs.
 */
final class VectorMatMul implements MatMul {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int LANES = F.length();
    /** Rows widened per block: 16 rows of 2048 inputs are 128 KiB, which stays in a core's L2. */
    private static final int BLOCK = 16;
    private static final int TILE = 4;
    /** 64 tokens of 2048 fp32 inputs are 512 KiB: an L2's worth, with the weight block beside it. */
    private static final int TOKEN_BLOCK = 64;
    /** Tokens per packed block in the outer-product kernel: four vectors. */
    private static final int PACK = 4 * LANES;
    /** From this many tokens on, the outer-product kernel wins over register tiles with horizontal sums. */
    static final int PACKED_MIN_TOKENS = 16;
    /**
     * Up to this many tokens, weights are widened in registers rather than through scratch: measured on a
     * 2048 × 8192 product (AVX-512), 2.5× faster at one token, even at eight.
     */
    static final int DIRECT_TOKENS = 4;

    @Override
    public void rows(float[] x, int tokens, int in, short[] w, int out, float[] y, boolean accumulate, int rowFrom,
            int rowTo, float[] scratch) {
        if (tokens <= DIRECT_TOKENS) {
            rowsDirect(x, tokens, in, w, out, y, accumulate, rowFrom, rowTo);
            return;
        }
        if (tokens >= PACKED_MIN_TOKENS) {
            rowsPacked(x, tokens, in, w, out, y, accumulate, rowFrom, rowTo, scratch);
            return;
        }
        // Tokens in blocks, so a block's activations stay in L2 while every weight block of the range passes
        // over them; a prefill of a thousand tokens would otherwise stream them from memory once per 16 rows.
        for (int tb = 0; tb < tokens; tb += TOKEN_BLOCK) {
            int tEnd = Math.min(tokens, tb + TOKEN_BLOCK);
            for (int b0 = rowFrom; b0 < rowTo; b0 += BLOCK) {
                int rows = Math.min(BLOCK, rowTo - b0);
                widen(w, b0 * in, rows * in, scratch);
                int r = 0;
                for (; r + TILE <= rows; r += TILE) {
                    int t = tb;
                    for (; t + TILE <= tEnd; t += TILE) {
                        tile4x4(x, t, in, scratch, r, y, out, b0 + r, accumulate);
                    }
                    for (; t < tEnd; t++) {
                        tile4x1(x, t, in, scratch, r, y, out, b0 + r, accumulate);
                    }
                }
                for (; r < rows; r++) {
                    for (int t = tb; t < tEnd; t++) {
                        float s = dot(x, t * in, scratch, r * in, in);
                        int yi = t * out + b0 + r;
                        y[yi] = accumulate ? y[yi] + s : s;
                    }
                }
            }
        }
    }

    /**
     * Prefill's wide products, as outer products: a block of tokens is packed transposed ([input][token]) so that
     * one input element of every token sits in a few vectors; each weight is broadcast and multiplied into them.
     * A 4-row × {@code PACK} token tile keeps 16 accumulators in registers with no horizontal sums at all; the
     * tile goes to {@code y} through a small buffer, since y is [token][row].
     */
    private static void rowsPacked(float[] x, int tokens, int in, short[] w, int out, float[] y, boolean acc,
            int rowFrom, int rowTo, float[] scratch) {
        int packed = BLOCK * in;
        int tile = packed + in * PACK;
        for (int tb = 0; tb < tokens; tb += PACK) {
            int tn = Math.min(PACK, tokens - tb);
            for (int t = 0; t < PACK; t++) {
                if (t < tn) {
                    int xo = (tb + t) * in;
                    for (int i = 0; i < in; i++) {
                        scratch[packed + i * PACK + t] = x[xo + i];
                    }
                } else {
                    for (int i = 0; i < in; i++) {
                        scratch[packed + i * PACK + t] = 0f;
                    }
                }
            }
            for (int b0 = rowFrom; b0 < rowTo; b0 += BLOCK) {
                int rows = Math.min(BLOCK, rowTo - b0);
                widen(w, b0 * in, rows * in, scratch);
                int r = 0;
                for (; r + TILE <= rows; r += TILE) {
                    packedTile4(scratch, r, in, packed, tile);
                    scatter(scratch, tile, TILE, y, out, b0 + r, tb, tn, acc);
                }
                for (; r < rows; r++) {
                    packedTile1(scratch, r, in, packed, tile);
                    scatter(scratch, tile, 1, y, out, b0 + r, tb, tn, acc);
                }
            }
        }
    }

    /** Rows r..r+3 (widened, in scratch) times the packed tokens, into scratch[tile ..] as [row][token]. */
    private static void packedTile4(float[] s, int r, int in, int packed, int tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int w0 = r * in, w1 = w0 + in, w2 = w1 + in, w3 = w2 + in;
        for (int i = 0; i < in; i++) {
            int p = packed + i * PACK;
            FloatVector x0 = FloatVector.fromArray(F, s, p);
            FloatVector x1 = FloatVector.fromArray(F, s, p + LANES);
            FloatVector x2 = FloatVector.fromArray(F, s, p + 2 * LANES);
            FloatVector x3 = FloatVector.fromArray(F, s, p + 3 * LANES);
            FloatVector b = FloatVector.broadcast(F, s[w0 + i]);
            c00 = x0.fma(b, c00);
            c01 = x1.fma(b, c01);
            c02 = x2.fma(b, c02);
            c03 = x3.fma(b, c03);
            b = FloatVector.broadcast(F, s[w1 + i]);
            c10 = x0.fma(b, c10);
            c11 = x1.fma(b, c11);
            c12 = x2.fma(b, c12);
            c13 = x3.fma(b, c13);
            b = FloatVector.broadcast(F, s[w2 + i]);
            c20 = x0.fma(b, c20);
            c21 = x1.fma(b, c21);
            c22 = x2.fma(b, c22);
            c23 = x3.fma(b, c23);
            b = FloatVector.broadcast(F, s[w3 + i]);
            c30 = x0.fma(b, c30);
            c31 = x1.fma(b, c31);
            c32 = x2.fma(b, c32);
            c33 = x3.fma(b, c33);
        }
        c00.intoArray(s, tile);
        c01.intoArray(s, tile + LANES);
        c02.intoArray(s, tile + 2 * LANES);
        c03.intoArray(s, tile + 3 * LANES);
        c10.intoArray(s, tile + PACK);
        c11.intoArray(s, tile + PACK + LANES);
        c12.intoArray(s, tile + PACK + 2 * LANES);
        c13.intoArray(s, tile + PACK + 3 * LANES);
        c20.intoArray(s, tile + 2 * PACK);
        c21.intoArray(s, tile + 2 * PACK + LANES);
        c22.intoArray(s, tile + 2 * PACK + 2 * LANES);
        c23.intoArray(s, tile + 2 * PACK + 3 * LANES);
        c30.intoArray(s, tile + 3 * PACK);
        c31.intoArray(s, tile + 3 * PACK + LANES);
        c32.intoArray(s, tile + 3 * PACK + 2 * LANES);
        c33.intoArray(s, tile + 3 * PACK + 3 * LANES);
    }

    /** One row times the packed tokens, into scratch[tile ..]. */
    private static void packedTile1(float[] s, int r, int in, int packed, int tile) {
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
        int w0 = r * in;
        for (int i = 0; i < in; i++) {
            int p = packed + i * PACK;
            FloatVector b = FloatVector.broadcast(F, s[w0 + i]);
            c0 = FloatVector.fromArray(F, s, p).fma(b, c0);
            c1 = FloatVector.fromArray(F, s, p + LANES).fma(b, c1);
            c2 = FloatVector.fromArray(F, s, p + 2 * LANES).fma(b, c2);
            c3 = FloatVector.fromArray(F, s, p + 3 * LANES).fma(b, c3);
        }
        c0.intoArray(s, tile);
        c1.intoArray(s, tile + LANES);
        c2.intoArray(s, tile + 2 * LANES);
        c3.intoArray(s, tile + 3 * LANES);
    }

    /** Moves a [row][token] tile into y[token][row], for the block's real tokens only (not the zero padding). */
    private static void scatter(float[] s, int tile, int rows, float[] y, int out, int row, int tb, int tn,
            boolean acc) {
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < tn; t++) {
                int yi = (tb + t) * out + row + r;
                float v = s[tile + r * PACK + t];
                y[yi] = acc ? y[yi] + v : v;
            }
        }
    }

    /**
     * Decode's skinny products (a token or two): each weight vector is widened in registers and used at once, so
     * the weights stream from memory with no scratch round trip; four rows share each load of the activations.
     */
    private static void rowsDirect(float[] x, int tokens, int in, short[] w, int out, float[] y, boolean acc,
            int rowFrom, int rowTo) {
        int bound = S.loopBound(in);
        int r = rowFrom;
        for (; r + TILE <= rowTo; r += TILE) {
            int w0 = r * in, w1 = w0 + in, w2 = w1 + in, w3 = w2 + in;
            for (int t = 0; t < tokens; t++) {
                int xo = t * in;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                int i = 0;
                for (; i < bound; i += LANES) {
                    FloatVector v = FloatVector.fromArray(F, x, xo + i);
                    a0 = widen(w, w0 + i).fma(v, a0);
                    a1 = widen(w, w1 + i).fma(v, a1);
                    a2 = widen(w, w2 + i).fma(v, a2);
                    a3 = widen(w, w3 + i).fma(v, a3);
                }
                float s0 = a0.reduceLanes(VectorOperators.ADD);
                float s1 = a1.reduceLanes(VectorOperators.ADD);
                float s2 = a2.reduceLanes(VectorOperators.ADD);
                float s3 = a3.reduceLanes(VectorOperators.ADD);
                for (; i < in; i++) {
                    float xv = x[xo + i];
                    s0 += bf16(w[w0 + i]) * xv;
                    s1 += bf16(w[w1 + i]) * xv;
                    s2 += bf16(w[w2 + i]) * xv;
                    s3 += bf16(w[w3 + i]) * xv;
                }
                int yi = t * out + r;
                y[yi] = acc ? y[yi] + s0 : s0;
                y[yi + 1] = acc ? y[yi + 1] + s1 : s1;
                y[yi + 2] = acc ? y[yi + 2] + s2 : s2;
                y[yi + 3] = acc ? y[yi + 3] + s3 : s3;
            }
        }
        for (; r < rowTo; r++) {
            for (int t = 0; t < tokens; t++) {
                int xo = t * in;
                int wo = r * in;
                FloatVector a = FloatVector.zero(F);
                int i = 0;
                for (; i < bound; i += LANES) {
                    a = widen(w, wo + i).fma(FloatVector.fromArray(F, x, xo + i), a);
                }
                float s = a.reduceLanes(VectorOperators.ADD);
                for (; i < in; i++) {
                    s += bf16(w[wo + i]) * x[xo + i];
                }
                int yi = t * out + r;
                y[yi] = acc ? y[yi] + s : s;
            }
        }
    }

    private static FloatVector widen(short[] w, int offset) {
        IntVector v = (IntVector) ShortVector.fromArray(S, w, offset).convertShape(VectorOperators.S2I, I, 0);
        return v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static float bf16(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** bf16 bits to fp32: sign-extend to 32 bits, shift into the high half, reinterpret. */
    private static void widen(short[] w, int from, int count, float[] dst) {
        int i = 0;
        int bound = S.loopBound(count);
        for (; i < bound; i += LANES) {
            ShortVector s = ShortVector.fromArray(S, w, from + i);
            IntVector v = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
            v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, i);
        }
        for (; i < count; i++) {
            dst[i] = Float.intBitsToFloat((w[from + i] & 0xFFFF) << 16);
        }
    }

    private static void tile4x4(float[] x, int t0, int in, float[] s, int r0, float[] y, int out, int row,
            boolean acc) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int x0 = t0 * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
        int w0 = r0 * in, w1 = w0 + in, w2 = w1 + in, w3 = w2 + in;
        int bound = F.loopBound(in);
        int i = 0;
        for (; i < bound; i += LANES) {
            FloatVector v0 = FloatVector.fromArray(F, x, x0 + i);
            FloatVector v1 = FloatVector.fromArray(F, x, x1 + i);
            FloatVector v2 = FloatVector.fromArray(F, x, x2 + i);
            FloatVector v3 = FloatVector.fromArray(F, x, x3 + i);
            FloatVector m = FloatVector.fromArray(F, s, w0 + i);
            a00 = m.fma(v0, a00);
            a01 = m.fma(v1, a01);
            a02 = m.fma(v2, a02);
            a03 = m.fma(v3, a03);
            m = FloatVector.fromArray(F, s, w1 + i);
            a10 = m.fma(v0, a10);
            a11 = m.fma(v1, a11);
            a12 = m.fma(v2, a12);
            a13 = m.fma(v3, a13);
            m = FloatVector.fromArray(F, s, w2 + i);
            a20 = m.fma(v0, a20);
            a21 = m.fma(v1, a21);
            a22 = m.fma(v2, a22);
            a23 = m.fma(v3, a23);
            m = FloatVector.fromArray(F, s, w3 + i);
            a30 = m.fma(v0, a30);
            a31 = m.fma(v1, a31);
            a32 = m.fma(v2, a32);
            a33 = m.fma(v3, a33);
        }
        float[][] sums = {
            {a00.reduceLanes(VectorOperators.ADD), a01.reduceLanes(VectorOperators.ADD),
                a02.reduceLanes(VectorOperators.ADD), a03.reduceLanes(VectorOperators.ADD)},
            {a10.reduceLanes(VectorOperators.ADD), a11.reduceLanes(VectorOperators.ADD),
                a12.reduceLanes(VectorOperators.ADD), a13.reduceLanes(VectorOperators.ADD)},
            {a20.reduceLanes(VectorOperators.ADD), a21.reduceLanes(VectorOperators.ADD),
                a22.reduceLanes(VectorOperators.ADD), a23.reduceLanes(VectorOperators.ADD)},
            {a30.reduceLanes(VectorOperators.ADD), a31.reduceLanes(VectorOperators.ADD),
                a32.reduceLanes(VectorOperators.ADD), a33.reduceLanes(VectorOperators.ADD)}};
        for (; i < in; i++) {
            for (int r = 0; r < TILE; r++) {
                float wv = s[(r0 + r) * in + i];
                for (int t = 0; t < TILE; t++) {
                    sums[r][t] += wv * x[(t0 + t) * in + i];
                }
            }
        }
        for (int r = 0; r < TILE; r++) {
            for (int t = 0; t < TILE; t++) {
                int yi = (t0 + t) * out + row + r;
                y[yi] = acc ? y[yi] + sums[r][t] : sums[r][t];
            }
        }
    }

    private static void tile4x1(float[] x, int t, int in, float[] s, int r0, float[] y, int out, int row,
            boolean acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int xo = t * in;
        int w0 = r0 * in, w1 = w0 + in, w2 = w1 + in, w3 = w2 + in;
        int bound = F.loopBound(in);
        int i = 0;
        for (; i < bound; i += LANES) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            a0 = FloatVector.fromArray(F, s, w0 + i).fma(v, a0);
            a1 = FloatVector.fromArray(F, s, w1 + i).fma(v, a1);
            a2 = FloatVector.fromArray(F, s, w2 + i).fma(v, a2);
            a3 = FloatVector.fromArray(F, s, w3 + i).fma(v, a3);
        }
        float[] sums = {a0.reduceLanes(VectorOperators.ADD), a1.reduceLanes(VectorOperators.ADD),
            a2.reduceLanes(VectorOperators.ADD), a3.reduceLanes(VectorOperators.ADD)};
        for (; i < in; i++) {
            for (int r = 0; r < TILE; r++) {
                sums[r] += s[(r0 + r) * in + i] * x[xo + i];
            }
        }
        for (int r = 0; r < TILE; r++) {
            int yi = t * out + row + r;
            y[yi] = acc ? y[yi] + sums[r] : sums[r];
        }
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += LANES) {
            acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }

    @Override
    public int scratchFloats(int in) {
        // Widened weight rows, the packed token block, and one [row][token] result tile.
        return BLOCK * in + in * PACK + TILE * PACK;
    }

    @Override
    public int rowAlign() {
        return BLOCK;
    }

    @Override
    public String description() {
        return "Vector API, " + F.vectorBitSize() + "-bit";
    }

    /**
     * Floating-point operations this thread does in a register-only FMA loop (2 FLOPs per lane per FMA) that runs
     * for at least {@code nanos}. The caller times it, and discards a first call that warms up: the Vector API is
     * only fast once C2 has intrinsified the loop, which takes many calls of it.
     */
    static double fmaFlops(long nanos) {
        return fmaFlops(nanos, false);
    }

    /** {@link #fmaFlops(long)}, after many short bursts that get the loop compiled first where {@code warmUp}. */
    static double fmaFlops(long nanos, boolean warmUp) {
        float[] state = new float[8 * LANES];
        java.util.Arrays.fill(state, 1e-3f);
        for (int i = 0; warmUp && i < 2000; i++) {
            fmaBurst(state, 64);
        }
        long bursts = 0;
        long start = System.nanoTime();
        do {
            fmaBurst(state, 4096);
            bursts++;
        } while (System.nanoTime() - start < nanos);
        return bursts * 4096.0 * 8 * 2 * LANES;
    }

    /** Eight independent FMA chains, enough to cover the FMA latency on current cores. */
    private static void fmaBurst(float[] state, int iterations) {
        FloatVector a0 = FloatVector.fromArray(F, state, 0);
        FloatVector a1 = FloatVector.fromArray(F, state, LANES);
        FloatVector a2 = FloatVector.fromArray(F, state, 2 * LANES);
        FloatVector a3 = FloatVector.fromArray(F, state, 3 * LANES);
        FloatVector a4 = FloatVector.fromArray(F, state, 4 * LANES);
        FloatVector a5 = FloatVector.fromArray(F, state, 5 * LANES);
        FloatVector a6 = FloatVector.fromArray(F, state, 6 * LANES);
        FloatVector a7 = FloatVector.fromArray(F, state, 7 * LANES);
        FloatVector m = FloatVector.broadcast(F, 0.999f);
        FloatVector c = FloatVector.broadcast(F, 1e-4f);
        for (int k = 0; k < iterations; k++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
        }
        a0.intoArray(state, 0);
        a1.intoArray(state, LANES);
        a2.intoArray(state, 2 * LANES);
        a3.intoArray(state, 3 * LANES);
        a4.intoArray(state, 4 * LANES);
        a5.intoArray(state, 5 * LANES);
        a6.intoArray(state, 6 * LANES);
        a7.intoArray(state, 7 * LANES);
    }
}
