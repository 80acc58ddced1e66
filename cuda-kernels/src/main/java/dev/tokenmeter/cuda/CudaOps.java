package dev.tokenmeter.cuda;

import static jcuda.driver.JCudaDriver.cuMemsetD32Async;

import dev.tokenmeter.cuda.CudaKernels.Kernel;
import jcuda.driver.CUdeviceptr;

/**
 * The decoder's operations as launches on one stream, each choosing its kernel and launch shape from the operands'
 * sizes. Used by {@link CudaEngine} for every step and by {@link KernelChecks} to test each kernel alone. Shapes
 * are checked here, before a kernel can read past a buffer.
 */
final class CudaOps {
    /** How a product's result meets its destination. */
    enum Out {
        /** C = A.W^T. */
        STORE,
        /** C += A.W^T: the residual stream. */
        ADD
    }

    private static final int MODE_STORE = 0;
    private static final int MODE_ADD = 1;
    private static final int MODE_ATOMIC = 2;
    /**
     * Largest activation count the GEMV kernels take; more go to tensor cores (on an H100, from 5 rows the tensor
     * cores stream the weights faster: scripts/gpu/kernel_bench.cu).
     */
    static final int GEMV_MAX_ROWS = 4;
    static final int DECODE_THREADS = 128;

    /** Hopper's opt-in shared memory per block, for planning without a device. */
    static final int HOPPER_SHARED_PER_BLOCK = 227 * 1024;

    private final Launcher launcher;
    private final int multiprocessors;
    private final int sharedPerBlock;
    private final boolean wgmma;

    CudaOps(Launcher launcher, int multiprocessors) {
        this(launcher, multiprocessors, HOPPER_SHARED_PER_BLOCK, false);
    }

    /**
     * @param sharedPerBlock the device's opt-in shared memory per block: larger tiles are used only where they fit
     * @param wgmma          whether the device runs the sm_90a image (compute capability 9.0): Hopper's wgmma
     *                       products are used then
     */
    CudaOps(Launcher launcher, int multiprocessors, int sharedPerBlock, boolean wgmma) {
        this.launcher = launcher;
        this.multiprocessors = multiprocessors;
        this.sharedPerBlock = sharedPerBlock;
        this.wgmma = wgmma;
    }

    /** The same device planned without Hopper's products: the checks run both families there. */
    CudaOps withoutWgmma() {
        return new CudaOps(launcher, multiprocessors, sharedPerBlock, false);
    }

    boolean wgmma() {
        return wgmma;
    }

    Launcher launcher() {
        return launcher;
    }

    int multiprocessors() {
        return multiprocessors;
    }

    void embed(CUdeviceptr tokens, CUdeviceptr table, CUdeviceptr x, int count, int hidden) {
        launcher.launch(Kernel.EMBED_GATHER, count, 1, 1, 128, 0, tokens, table, x, hidden);
    }

    /** out[r] = rmsnorm(x[rows == null ? r : rows[r]]) . gain, for r in [0, count). */
    void rmsnorm(CUdeviceptr x, CUdeviceptr rows, CUdeviceptr gain, CUdeviceptr out, int count, int hidden, float eps) {
        int threads = Math.min(1024, Math.max(32, (hidden / 4 + 31) / 32 * 32));
        launcher.launch(Kernel.RMSNORM_BF16, count, 1, 1, threads, 0, x, rows, gain, out, hidden, eps);
    }

    /** The launch a product of these sizes gets (exposed for tests and for the notes of a run). */
    record GemmPlan(Kernel kernel, int gridX, int gridY, int splits, int kTilesPerSplit, int threads, int shared) {
    }

    GemmPlan plan(int m, int n, int k) {
        if ((m <= GEMV_MAX_ROWS || (m <= 8 && k % 64 != 0)) && k % 8 == 0) {
            Kernel kernel = m == 1 ? Kernel.GEMV_BF16_1 : m == 2 ? Kernel.GEMV_BF16_2 : m <= 4 ? Kernel.GEMV_BF16_4
                    : Kernel.GEMV_BF16_8;
            return new GemmPlan(kernel, (n + 3) / 4, 1, 1, 0, 256, 0);
        }
        if (k % 64 != 0) {
            throw new IllegalArgumentException("the tensor-core product needs K a multiple of 64, got " + k);
        }
        int kTiles = k / 64;
        Kernel kernel;
        int bm;
        int bn;
        int stages;
        boolean oneDimGrid = false;
        if (wgmma) {
            kernel = m > 64 ? Kernel.GEMM_WG_128X256 : Kernel.GEMM_WG_64X256;
            bm = m > 64 ? 128 : 64;
            bn = 256;
            stages = 4;
            oneDimGrid = true;
        } else if (m > 128) {
            kernel = Kernel.GEMM_TC_128X128;
            bm = 128;
            bn = 128;
            stages = 3;
        } else if (n >= 16384 && 3 * (64 + 256) * 64 * 2 <= sharedPerBlock) {
            kernel = Kernel.GEMM_TC_64X256;
            bm = 64;
            bn = 256;
            stages = 3;
        } else {
            kernel = Kernel.GEMM_TC_64X64;
            bm = 64;
            bn = 64;
            stages = 4;
        }
        int blocks = ((n + bn - 1) / bn) * ((m + bm - 1) / bm);
        int splits = 1;
        int target = 2 * multiprocessors;
        if (blocks < target) {
            // Split K until the device is covered, keeping each split at least 4 tiles (256 of K) long.
            splits = Math.max(1, Math.min((target + blocks - 1) / blocks, Math.min(8, kTiles / 4)));
        }
        int perSplit = (kTiles + splits - 1) / splits;
        splits = (kTiles + perSplit - 1) / perSplit;
        int shared = stages * (bm + bn) * 64 * 2 + (oneDimGrid ? 1024 : 0);  // wgmma: room to align stages to 1 KiB
        int mTiles = (m + bm - 1) / bm;
        int nTiles = (n + bn - 1) / bn;
        int threads = oneDimGrid && bm == 128 ? 256 : 128;
        return oneDimGrid ? new GemmPlan(kernel, mTiles * nTiles, 1, splits, perSplit, threads, shared)
                : new GemmPlan(kernel, nTiles, mTiles, splits, perSplit, threads, shared);
    }

    /** C[m][n] (fp32) = or += A[m][k] (bf16) . W[n][k]^T (bf16). */
    void gemm(CUdeviceptr a, CUdeviceptr w, CUdeviceptr c, int m, int n, int k, Out out) {
        if (m <= 0 || n <= 0 || k <= 0) {
            throw new IllegalArgumentException("product sizes must be positive, got m=" + m + " n=" + n + " k=" + k);
        }
        GemmPlan p = plan(m, n, k);
        int mode = out == Out.ADD ? MODE_ADD : MODE_STORE;
        if (p.kernel().name().startsWith("GEMV")) {
            launcher.launch(p.kernel(), p.gridX(), 1, 1, p.threads(), 0, a, w, c, m, n, k, mode);
            return;
        }
        if (p.splits() > 1) {
            if (out == Out.STORE) {
                CudaException.check(cuMemsetD32Async(c, 0, (long) m * n, launcher.stream()),
                        "cuMemsetD32Async(product output, " + (long) m * n + " floats)");
            }
            mode = MODE_ATOMIC;
        }
        launcher.launch(p.kernel(), p.gridX(), p.gridY(), p.splits(), p.threads(), p.shared(), a, w, c, m, n, k, mode,
                p.kTilesPerSplit());
    }

    /** Where a layer's paged KV cache is: its two regions and the block tables, [slot][maxBlocksPerSeq]. */
    record KvLayout(CUdeviceptr kCache, CUdeviceptr vCache, CUdeviceptr blockTables, int blockSize,
            int maxBlocksPerSeq) {
    }

    void rope(CUdeviceptr qkv, CUdeviceptr positions, CUdeviceptr slots, CUdeviceptr cos, CUdeviceptr sin,
            CUdeviceptr q, KvLayout kv, int tokens, int heads, int kvHeads, int headDim) {
        int threads = Math.min(512, Math.max(64, ((heads + kvHeads) * headDim / 2 + 31) / 32 * 32));
        launcher.launch(Kernel.ROPE_KV_APPEND, tokens, 1, 1, threads, 0, qkv, positions, slots, cos, sin, q,
                kv.kCache(), kv.vCache(), heads, kvHeads, headDim, kv.blockTables(), kv.blockSize(),
                kv.maxBlocksPerSeq());
    }

    /** Splits of the context a decode step at this batch uses: enough blocks to fill the device twice. */
    int decodeSplits(int batch, int kvHeads, int maxContext) {
        int want = Math.max(1, (2 * multiprocessors + batch * kvHeads - 1) / (batch * kvHeads));
        int splitSize = decodeSplitSize(want, maxContext);
        return (maxContext + splitSize - 1) / splitSize;
    }

    static int decodeSplitSize(int splits, int maxContext) {
        int size = (maxContext + splits - 1) / splits;
        return Math.max(64, (size + 63) / 64 * 64);
    }

    static Kernel decodeKernel(int headDim) {
        return switch (headDim) {
            case 32 -> Kernel.ATTN_DECODE_32;
            case 64 -> Kernel.ATTN_DECODE_64;
            case 128 -> Kernel.ATTN_DECODE_128;
            default -> throw new IllegalArgumentException("attention kernels exist for headDim 32, 64 and 128, not "
                    + headDim);
        };
    }

    static Kernel prefillKernel(int headDim) {
        return switch (headDim) {
            case 32 -> Kernel.ATTN_PREFILL_32;
            case 64 -> Kernel.ATTN_PREFILL_64;
            case 128 -> Kernel.ATTN_PREFILL_128;
            default -> throw new IllegalArgumentException("attention kernels exist for headDim 32, 64 and 128, not "
                    + headDim);
        };
    }

    /**
     * One query token per sequence: q [batch][heads·d], out [batch][heads·d]; partO and partML hold
     * batch · heads · splits · (d + 2) floats.
     */
    void attentionDecode(CUdeviceptr q, KvLayout kv, CUdeviceptr slots, CUdeviceptr ctxLens, CUdeviceptr partO,
            CUdeviceptr partML, CUdeviceptr out, int batch, int heads, int kvHeads, int headDim, int maxContext,
            int splits) {
        if (heads % kvHeads != 0 || heads / kvHeads > 8) {
            throw new IllegalArgumentException("decode attention takes up to 8 query heads per kv head, got "
                    + heads + "/" + kvHeads);
        }
        int splitSize = decodeSplitSize(splits, maxContext);
        if ((long) splitSize * splits < maxContext) {
            throw new IllegalArgumentException(splits + " splits of " + splitSize + " do not cover " + maxContext);
        }
        float scale = (float) (1.0 / Math.sqrt(headDim));
        launcher.launch(decodeKernel(headDim), splits, kvHeads, batch, DECODE_THREADS, 0, q, kv.kCache(),
                kv.vCache(), slots, ctxLens, partO, partML, heads, kvHeads, kv.blockTables(), kv.blockSize(),
                kv.maxBlocksPerSeq(), splitSize, scale);
        launcher.launch(Kernel.ATTN_COMBINE, heads, batch, 1, Math.max(32, headDim), 0, partO, partML, out, heads,
                headDim, splits);
    }

    /** Chunks of any length: sequence s's queries are rows [seqStart[s], + seqLen[s]) of q, at seqPos[s]... */
    void attentionPrefill(CUdeviceptr q, KvLayout kv, CUdeviceptr seqStart, CUdeviceptr seqLen, CUdeviceptr seqPos,
            CUdeviceptr seqSlot, CUdeviceptr out, int sequences, int longest, int heads, int kvHeads, int headDim) {
        float scale = (float) (1.0 / Math.sqrt(headDim));
        launcher.launch(prefillKernel(headDim), (longest + 63) / 64, heads, sequences, 128, 0, q, kv.kCache(),
                kv.vCache(), seqStart, seqLen, seqPos, seqSlot, out, heads, kvHeads, kv.blockTables(),
                kv.blockSize(), kv.maxBlocksPerSeq(), scale);
    }

    void siluMul(CUdeviceptr gu, CUdeviceptr act, int tokens, int ffn) {
        long total = (long) tokens * ffn;
        int blocks = (int) Math.min((total + 255) / 256, 8L * multiprocessors);
        launcher.launch(Kernel.SILU_MUL, blocks, 1, 1, 256, 0, gu, act, tokens, ffn);
    }

    void argmax(CUdeviceptr logits, CUdeviceptr out, int rows, int vocab) {
        launcher.launch(Kernel.ARGMAX_ROWS, rows, 1, 1, 1024, 0, logits, out, vocab);
    }
}
