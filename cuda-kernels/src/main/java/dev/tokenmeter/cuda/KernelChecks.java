package dev.tokenmeter.cuda;

import static dev.tokenmeter.cuda.CudaException.check;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;

import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.checkpoint.Bf16;
import dev.tokenmeter.checkpoint.SyntheticCheckpoint;
import dev.tokenmeter.checkpoint.TensorKind;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.model.RopeTables;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * DESIGN's correctness ladder on the GPU (steps 1 and 4): the device's synthetic weights bit for bit against the
 * CPU generator; each kernel against a plain double-precision CPU version of its operation over a grid of shapes,
 * ragged ones included, on fresh random inputs ({@link CheckBuffers}); and the whole forward against the CPU engine,
 * in prefill and after decode steps ({@link ForwardChecks}). An element passes when |gpu − cpu| ≤ atol + rtol·|cpu|;
 * each check reports its worst element. Run by {@code tokenmeter verify} and by the GPU tests.
 */
public final class KernelChecks {
    /** bf16 outputs: 8 bits of mantissa, plus the fp32 work before the rounding. */
    static final double BF16_RTOL = 1.6e-2;
    static final double BF16_ATOL = 2e-3;
    /** fp32 outputs accumulated over K products. */
    static final double F32_RTOL = 1e-3;
    static final double F32_ATOL = 1e-3;

    /** One check's outcome. */
    public record Check(String name, String shape, boolean passed, double worstError, double allowedThere,
            String worstAt, long elements, String note) {
        public String line() {
            return String.format(Locale.ROOT, "%-4s %-22s %-40s worst |err| %.3g (allowed %.3g) at %s%s",
                    passed ? "ok" : "FAIL", name, shape, worstError, allowedThere, worstAt,
                    note.isEmpty() ? "" : "; " + note);
        }
    }

    private final CudaBackend backend;
    private final CudaOps ops;
    private final CheckBuffers buffers;

    private KernelChecks(CudaBackend backend, long seed) {
        this.backend = backend;
        this.ops = backend.ops();
        this.buffers = new CheckBuffers(seed);
    }

    /** Runs every check on an opened CUDA backend, reporting each as it finishes. */
    public static List<Check> runAll(Backend cuda, Consumer<Check> progress) {
        if (!(cuda instanceof CudaBackend b)) {
            throw new IllegalArgumentException("kernel checks need the CUDA backend, got " + cuda.name());
        }
        b.current();
        KernelChecks k = new KernelChecks(b, 20261122L);
        List<Check> all = new ArrayList<>();
        Consumer<Check> sink = c -> {
            all.add(c);
            progress.accept(c);
        };
        try {
            k.synthetic(sink);
            k.embed(sink);
            k.rmsnorm(sink);
            k.gemm(sink);
            k.rope(sink);
            k.attention(sink);
            k.siluMul(sink);
            k.argmax(sink);
        } finally {
            k.buffers.free();
        }
        ForwardChecks.forward(b, "tiny", 96, CudaEngine.PASS_TOKENS, sink);
        // Passes of 64 tokens: the longest prompt is prefilled in three pieces (chunked prefill through the cache).
        ForwardChecks.forward(b, "tiny", 150, 64, sink);
        ForwardChecks.forward(b, "llama-110m", 160, CudaEngine.PASS_TOKENS, sink);
        // Mid-size, with Llama-3 RoPE scaling, tied embeddings, 4 query heads per kv head and a 128256 vocabulary.
        ForwardChecks.forward(b, "llama-3.2-1b", 100, CudaEngine.PASS_TOKENS, sink);
        return all;
    }

    private static float f(short b) {
        return Bf16.toFloat(b);
    }

    /** Compares element by element; the worst is the element whose error uses most of its allowance. */
    static Check compare(String name, String shape, float[] gpu, double[] cpu, double atol, double rtol, String note) {
        double worstRatio = -1;
        double worstErr = 0;
        double worstAllowed = 0;
        int worstAt = -1;
        boolean ok = gpu.length == cpu.length;
        for (int i = 0; i < Math.min(gpu.length, cpu.length); i++) {
            double err = Math.abs(gpu[i] - cpu[i]);
            double allowed = atol + rtol * Math.abs(cpu[i]);
            if (Double.isNaN(gpu[i]) || Double.isNaN(err)) {
                err = Double.POSITIVE_INFINITY;
            }
            double ratio = err / allowed;
            if (ratio > worstRatio) {
                worstRatio = ratio;
                worstErr = err;
                worstAllowed = allowed;
                worstAt = i;
            }
            if (!(err <= allowed)) {
                ok = false;
            }
        }
        String at = worstAt < 0 ? "-" : String.format(Locale.ROOT, "[%d] gpu %.6g cpu %.6g", worstAt, gpu[worstAt],
                cpu[worstAt]);
        return new Check(name, shape, ok, worstErr, worstAllowed, at, gpu.length, note);
    }

    /** Physical cache row of position p of slot s under {@code tables}. */
    private static int row(int[] tables, int blocksPerSeq, int blockSize, int s, int p) {
        return tables[s * blocksPerSeq + p / blockSize] * blockSize + p % blockSize;
    }

    // ---- the checks ----

    private void synthetic(Consumer<Check> out) {
        ModelConfig tiny = ModelPresets.get("tiny");
        SyntheticCheckpoint cp = new SyntheticCheckpoint(tiny, 42);
        for (TensorKind kind : new TensorKind[] {TensorKind.EMBEDDING, TensorKind.WQ, TensorKind.W_DOWN,
                TensorKind.FINAL_NORM}) {
            int layer = kind.perLayer() ? 1 : 0;
            int n = (int) kind.elements(tiny);
            CUdeviceptr p = buffers.alloc(2L * n);
            backend.synthetic().fill(p, tiny, 42, kind, layer);
            buffers.sync();
            short[] got = new short[n];
            check(cuMemcpyDtoH(Pointer.to(got), p, 2L * n), "cuMemcpyDtoH");
            short[] want = cp.tensor(kind, layer);
            int mismatches = 0;
            int first = -1;
            for (int i = 0; i < n; i++) {
                if (got[i] != want[i]) {
                    mismatches++;
                    if (first < 0) {
                        first = i;
                    }
                }
            }
            out.accept(new Check("synthetic weights", "tiny " + kind + (kind.perLayer() ? " layer 1" : ""),
                    mismatches == 0, mismatches, 0, first < 0 ? "-" : "[" + first + "]", n,
                    mismatches == 0 ? "bit-exact" : mismatches + " elements differ"));
        }
    }

    private void embed(Consumer<Check> out) {
        int vocab = 300;
        int hidden = 96;
        short[] table = buffers.bf16s(vocab * hidden, 1);
        int[] tokens = {0, 299, 17, 17, 150, 3, 298};
        CUdeviceptr x = buffers.alloc(4L * tokens.length * hidden);
        ops.embed(buffers.upload(tokens), buffers.upload(table), x, tokens.length, hidden);
        float[] got = buffers.downloadF(x, tokens.length * hidden);
        double[] want = new double[got.length];
        for (int t = 0; t < tokens.length; t++) {
            for (int i = 0; i < hidden; i++) {
                want[t * hidden + i] = f(table[tokens[t] * hidden + i]);
            }
        }
        out.accept(compare("embed_gather", tokens.length + " tokens x " + hidden, got, want, 0, 0, "exact"));
    }

    private void rmsnorm(Consumer<Check> out) {
        for (int hidden : new int[] {128, 4096}) {
            for (boolean gather : new boolean[] {false, true}) {
                int rows = 5;
                int srcRows = 9;
                float[] x = buffers.floats(srcRows * hidden, 3);
                short[] gain = buffers.bf16s(hidden, 1.5);
                int[] idx = {8, 0, 3, 3, 7};
                CUdeviceptr o = buffers.alloc(2L * rows * hidden);
                ops.rmsnorm(buffers.upload(x), gather ? buffers.upload(idx) : null, buffers.upload(gain), o, rows,
                        hidden, 1e-5f);
                float[] got = buffers.downloadBf16(o, rows * hidden);
                double[] want = new double[got.length];
                for (int r = 0; r < rows; r++) {
                    int s = gather ? idx[r] : r;
                    double ss = 0;
                    for (int i = 0; i < hidden; i++) {
                        ss += (double) x[s * hidden + i] * x[s * hidden + i];
                    }
                    double inv = 1 / Math.sqrt(ss / hidden + 1e-5);
                    for (int i = 0; i < hidden; i++) {
                        want[r * hidden + i] = x[s * hidden + i] * inv * f(gain[i]);
                    }
                }
                out.accept(compare("rmsnorm_bf16", rows + " rows x " + hidden + (gather ? ", gathered rows" : ""),
                        got, want, BF16_ATOL, BF16_RTOL, ""));
            }
        }
    }

    private void gemm(Consumer<Check> out) {
        gemm(out, ops);
        if (ops.wgmma()) {
            // The mma.sync family serves every GPU but Hopper: check it here too.
            gemm(out, ops.withoutWgmma());
        }
    }

    private void gemm(Consumer<Check> out, CudaOps ops) {
        int[][] shapes = {{1, 256, 128}, {2, 200, 64}, {3, 1000, 512}, {5, 77, 96}, {8, 4096, 256}, {9, 200, 128},
            {33, 1000, 512}, {64, 520, 2048}, {100, 96, 64}, {130, 300, 256}, {257, 1000, 512}, {512, 1024, 1024}, {16, 16448, 128}, {300, 200, 4096}};
        for (int[] s : shapes) {
            for (CudaOps.Out mode : CudaOps.Out.values()) {
                int m = s[0];
                int n = s[1];
                int k = s[2];
                short[] a = buffers.bf16s(m * k, 1);
                short[] w = buffers.bf16s(n * k, Math.sqrt(3.0 / k));
                float[] c0 = mode == CudaOps.Out.ADD ? buffers.floats(m * n, 2) : new float[m * n];
                CUdeviceptr c = buffers.upload(c0);
                ops.gemm(buffers.upload(a), buffers.upload(w), c, m, n, k, mode);
                float[] got = buffers.downloadF(c, m * n);
                double[] want = new double[m * n];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double acc = 0;
                        for (int p = 0; p < k; p++) {
                            acc += (double) f(a[i * k + p]) * f(w[j * k + p]);
                        }
                        want[i * n + j] = c0[i * n + j] + acc;
                    }
                }
                CudaOps.GemmPlan plan = ops.plan(m, n, k);
                out.accept(compare("gemm " + mode.name().toLowerCase(Locale.ROOT), m + "x" + n + "x" + k, got, want,
                        F32_ATOL, F32_RTOL, plan.kernel().symbol() + (plan.splits() > 1 ? ", split K " + plan.splits()
                        : "")));
            }
        }
    }

    private void rope(Consumer<Check> out) {
        for (String preset : new String[] {"tiny", "llama-3.1-8b"}) {
            ModelConfig c = ModelPresets.get(preset);
            int maxContext = 300;
            int slots = 3;
            int[] pos = {0, 1, 299, 150, 7};
            int[] slot = {0, 2, 1, 2, 0};
            int t = pos.length;
            int qkvDim = c.qDim() + 2 * c.kvDim();
            float[] qkv = buffers.floats(t * qkvDim, 2);
            float[][] tab = RopeTables.of(c, maxContext);
            CUdeviceptr q = buffers.alloc(2L * t * c.qDim());
            int bs = 16;
            int perSeq = (maxContext + bs - 1) / bs;
            int[] tables = buffers.scrambledTables(slots, perSeq);
            long cacheElems = (long) slots * perSeq * bs * c.kvDim();
            CUdeviceptr kc = buffers.alloc(2 * cacheElems);
            CUdeviceptr vc = buffers.alloc(2 * cacheElems);
            ops.rope(buffers.upload(qkv), buffers.upload(pos), buffers.upload(slot), buffers.upload(tab[0]),
                    buffers.upload(tab[1]), q, new CudaOps.KvLayout(kc, vc, buffers.upload(tables), bs, perSeq), t,
                    c.heads(), c.kvHeads(), c.headDim());
            float[] gotQ = buffers.downloadBf16(q, t * c.qDim());
            int kvDim = c.kvDim();
            float[] gotKv = new float[2 * t * kvDim];
            double[] wantQ = new double[t * c.qDim()];
            double[] wantKv = new double[2 * t * kvDim];
            float[] kAll = buffers.downloadBf16(kc, (int) cacheElems);
            float[] vAll = buffers.downloadBf16(vc, (int) cacheElems);
            int half = c.headDim() / 2;
            for (int i = 0; i < t; i++) {
                int row = i * qkvDim;
                for (int h = 0; h < c.heads() + c.kvHeads(); h++) {
                    for (int e = 0; e < half; e++) {
                        double co = tab[0][pos[i] * half + e];
                        double si = tab[1][pos[i] * half + e];
                        double x1 = qkv[row + h * c.headDim() + e];
                        double x2 = qkv[row + h * c.headDim() + e + half];
                        double r1 = x1 * co - x2 * si;
                        double r2 = x2 * co + x1 * si;
                        if (h < c.heads()) {
                            wantQ[i * c.qDim() + h * c.headDim() + e] = r1;
                            wantQ[i * c.qDim() + h * c.headDim() + e + half] = r2;
                        } else {
                            int o = i * kvDim + (h - c.heads()) * c.headDim();
                            wantKv[o + e] = r1;
                            wantKv[o + e + half] = r2;
                        }
                    }
                }
                long cacheRow = (long) row(tables, perSeq, bs, slot[i], pos[i]) * kvDim;
                for (int e = 0; e < kvDim; e++) {
                    gotKv[i * kvDim + e] = kAll[(int) cacheRow + e];
                    gotKv[t * kvDim + i * kvDim + e] = vAll[(int) cacheRow + e];
                    wantKv[t * kvDim + i * kvDim + e] = qkv[row + c.qDim() + kvDim + e];
                }
            }
            out.accept(compare("rope q", preset + ", " + t + " tokens", gotQ, wantQ, BF16_ATOL, BF16_RTOL, ""));
            out.accept(compare("rope kv append", preset + ", " + t + " tokens, 3 slots, paged", gotKv, wantKv,
                    BF16_ATOL, BF16_RTOL, "scrambled block tables"));
        }
    }

    /** Reference attention of one query row against positions [0, ctx) of a slot, rows[p] its cache rows. */
    private static void attendRef(float[] q, int qo, float[] k, float[] v, int[] rows, int kvDim, int kvo, int d,
            int ctx, double[] out, int oo) {
        double[] s = new double[ctx];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < ctx; j++) {
            double acc = 0;
            for (int e = 0; e < d; e++) {
                acc += (double) q[qo + e] * k[rows[j] * kvDim + kvo + e];
            }
            s[j] = acc / Math.sqrt(d);
            max = Math.max(max, s[j]);
        }
        double sum = 0;
        for (int j = 0; j < ctx; j++) {
            s[j] = Math.exp(s[j] - max);
            sum += s[j];
        }
        for (int e = 0; e < d; e++) {
            double acc = 0;
            for (int j = 0; j < ctx; j++) {
                acc += s[j] * v[rows[j] * kvDim + kvo + e];
            }
            out[oo + e] = acc / sum;
        }
    }

    private void attention(Consumer<Check> out) {
        // (heads, kvHeads, headDim): tiny, llama-3.2-1b-like, llama-3.1-8b-like.
        int[][] shapes = {{4, 2, 32}, {8, 2, 64}, {32, 8, 128}};
        for (int[] sh : shapes) {
            int heads = sh[0];
            int kvHeads = sh[1];
            int d = sh[2];
            int qDim = heads * d;
            int kvDim = kvHeads * d;
            int maxContext = 400;
            int slots = 4;
            int bs = 16;
            int perSeq = (maxContext + bs - 1) / bs;
            int[] tables = buffers.scrambledTables(slots, perSeq);
            int[][] rows = new int[slots][maxContext];
            for (int s = 0; s < slots; s++) {
                for (int p = 0; p < maxContext; p++) {
                    rows[s][p] = row(tables, perSeq, bs, s, p);
                }
            }
            CUdeviceptr tablesDev = buffers.upload(tables);
            short[] kc = buffers.bf16s(slots * perSeq * bs * kvDim, 1.5);
            short[] vc = buffers.bf16s(slots * perSeq * bs * kvDim, 1);
            float[] kf = new float[kc.length];
            float[] vf = new float[vc.length];
            for (int i = 0; i < kc.length; i++) {
                kf[i] = f(kc[i]);
                vf[i] = f(vc[i]);
            }
            CUdeviceptr kDev = buffers.upload(kc);
            CUdeviceptr vDev = buffers.upload(vc);
            // Prefill: ragged chunks, some continuing earlier context (chunked prefill), one of a single token.
            int[] len = {70, 1, 130, 5};
            int[] start = {0, 222, 199, 395};
            int[] slot = {2, 0, 3, 1};
            int tokens = 0;
            int longest = 0;
            int[] seqStart = new int[len.length];
            for (int s = 0; s < len.length; s++) {
                seqStart[s] = tokens;
                tokens += len[s];
                longest = Math.max(longest, len[s]);
            }
            short[] q = buffers.bf16s(tokens * qDim, 1.5);
            float[] qf = new float[q.length];
            for (int i = 0; i < q.length; i++) {
                qf[i] = f(q[i]);
            }
            CUdeviceptr qDev = buffers.upload(q);
            CUdeviceptr o = buffers.alloc(2L * tokens * qDim);
            CudaOps.KvLayout kv = new CudaOps.KvLayout(kDev, vDev, tablesDev, bs, perSeq);
            ops.attentionPrefill(qDev, kv, buffers.upload(seqStart), buffers.upload(len), buffers.upload(start),
                    buffers.upload(slot), o, len.length, longest, heads, kvHeads, d);
            float[] got = buffers.downloadBf16(o, tokens * qDim);
            double[] want = new double[tokens * qDim];
            for (int s = 0; s < len.length; s++) {
                for (int i = 0; i < len[s]; i++) {
                    int t = seqStart[s] + i;
                    for (int h = 0; h < heads; h++) {
                        attendRef(qf, t * qDim + h * d, kf, vf, rows[slot[s]], kvDim, (h / (heads / kvHeads)) * d, d,
                                start[s] + i + 1, want, t * qDim + h * d);
                    }
                }
            }
            String shape = heads + "/" + kvHeads + " heads x " + d;
            out.accept(compare("attention prefill", shape + ", chunks 70,1,130,5", got, want, BF16_ATOL, BF16_RTOL,
                    "paged, scrambled block tables"));
            // Decode: one token per sequence at ragged context lengths, for two batch sizes (two split counts).
            for (int batch : new int[] {1, 4}) {
                int[] ctx = {400, 1, 257, 64};
                int[] dslot = {3, 1, 0, 2};
                int splits = ops.decodeSplits(batch, kvHeads, maxContext);
                long partials = (long) batch * heads * splits;
                CUdeviceptr pO = buffers.alloc(partials * d * 4);
                CUdeviceptr pML = buffers.alloc(partials * 2 * 4);
                CUdeviceptr od = buffers.alloc(2L * batch * qDim);
                ops.attentionDecode(qDev, kv, buffers.upload(dslot), buffers.upload(ctx), pO, pML, od, batch, heads,
                        kvHeads, d, maxContext, splits);
                float[] gotD = buffers.downloadBf16(od, batch * qDim);
                double[] wantD = new double[batch * qDim];
                for (int b = 0; b < batch; b++) {
                    for (int h = 0; h < heads; h++) {
                        attendRef(qf, b * qDim + h * d, kf, vf, rows[dslot[b]], kvDim, (h / (heads / kvHeads)) * d, d, ctx[b],
                                wantD, b * qDim + h * d);
                    }
                }
                out.accept(compare("attention decode", shape + ", batch " + batch + ", " + splits + " splits", gotD,
                        wantD, BF16_ATOL, BF16_RTOL, "paged, scrambled block tables"));
            }
        }
    }

    private void siluMul(Consumer<Check> out) {
        int tokens = 7;
        int ffn = 384;
        float[] gu = buffers.floats(tokens * 2 * ffn, 6);
        CUdeviceptr act = buffers.alloc(2L * tokens * ffn);
        ops.siluMul(buffers.upload(gu), act, tokens, ffn);
        float[] got = buffers.downloadBf16(act, tokens * ffn);
        double[] want = new double[got.length];
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < ffn; j++) {
                double g = gu[t * 2 * ffn + j];
                want[t * ffn + j] = g / (1 + Math.exp(-g)) * gu[t * 2 * ffn + ffn + j];
            }
        }
        out.accept(compare("silu_mul", tokens + " x " + ffn, got, want, BF16_ATOL, BF16_RTOL, ""));
    }

    private void argmax(Consumer<Check> out) {
        int rows = 5;
        int vocab = 128256;
        float[] l = buffers.floats(rows * vocab, 10);
        // Ties: the lowest index must win; a NaN must never win.
        l[1 * vocab + 5] = 50;
        l[1 * vocab + 100000] = 50;
        l[2 * vocab + 7] = Float.NaN;
        l[2 * vocab + 8] = 60;
        l[3 * vocab + vocab - 1] = 70;
        CUdeviceptr o = buffers.alloc(4L * rows);
        ops.argmax(buffers.upload(l), o, rows, vocab);
        int[] got = buffers.downloadI(o, rows);
        float[] g = new float[rows];
        double[] w = new double[rows];
        for (int r = 0; r < rows; r++) {
            int best = 0;
            float bv = l[r * vocab];
            for (int i = 1; i < vocab; i++) {
                float x = l[r * vocab + i];
                if (x > bv || (Float.isNaN(bv) && !Float.isNaN(x))) {
                    best = i;
                    bv = x;
                }
            }
            g[r] = got[r];
            w[r] = best;
        }
        out.accept(compare("argmax_rows", rows + " x " + vocab + ", ties and NaN", g, w, 0, 0, "exact"));
    }
}
