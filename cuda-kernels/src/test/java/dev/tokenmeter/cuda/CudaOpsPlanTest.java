package dev.tokenmeter.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.cuda.CudaKernels.Kernel;
import dev.tokenmeter.cuda.CudaOps.GemmPlan;
import org.junit.jupiter.api.Test;

/**
 * Kernel choice and launch shapes, planned without a GPU: {@link CudaOps#plan}, {@link CudaOps#decodeSplits} and
 * {@link CudaOps#decodeSplitSize} read only the multiprocessor count, so a CudaOps with no launcher plans.
 */
class CudaOpsPlanTest {
    /** An H100 SXM5. */
    private static final CudaOps H100 = new CudaOps(null, 132);
    /** An A100. */
    private static final CudaOps A100 = new CudaOps(null, 108);

    private static final int[] MS = {9, 16, 32, 33, 64, 100, 128, 129, 256, 1000, 4096, 8192};
    private static final int[] NS = {32, 64, 96, 200, 1024, 4096, 6144, 16384, 28672, 128256};
    private static final int[] KS = {64, 128, 256, 320, 448, 512, 1024, 4096, 8192, 14336};
    /** The least K a split of a product may have (the tensor-core kernels' k-tiles being 32 or 64 deep). */
    private static final int MIN_SPLIT_K = 256;

    /** The tile of a tensor-core kernel, {rows, columns}, from its name (GEMM_TC_64X256: 64 x 256). */
    private static int[] tile(Kernel k) {
        assertTrue(k.name().startsWith("GEMM_TC_"), k.name());
        String[] rc = k.name().substring("GEMM_TC_".length()).split("X");
        return new int[] {Integer.parseInt(rc[0]), Integer.parseInt(rc[1])};
    }

    /** The depth of a k-tile (elements of K per tile), from a product that needs no split. */
    private static int kTile() {
        GemmPlan p = H100.plan(8192, 4096, 4096);
        assertEquals(1, p.splits(), p.toString());
        int depth = 4096 / p.kTilesPerSplit();
        assertEquals(4096, depth * p.kTilesPerSplit(), p.toString());
        return depth;
    }

    @Test
    void gemvUpToFourRowsAndUpToEightWhereKIsRagged() {
        assertEquals(Kernel.GEMV_BF16_1, H100.plan(1, 4096, 4096).kernel());
        assertEquals(Kernel.GEMV_BF16_2, H100.plan(2, 4096, 4096).kernel());
        assertEquals(Kernel.GEMV_BF16_4, H100.plan(3, 4096, 4096).kernel());
        assertEquals(Kernel.GEMV_BF16_4, H100.plan(4, 4096, 4096).kernel());
        for (int m = CudaOps.GEMV_MAX_ROWS + 1; m <= 8; m++) {
            assertTrue(H100.plan(m, 4096, 4096).kernel().name().startsWith("GEMM_TC"), "m=" + m);
            // K not a multiple of the tensor cores' 64: the GEMV of 8 rows still takes it.
            assertEquals(Kernel.GEMV_BF16_8, H100.plan(m, 4096, 96).kernel(), "m=" + m);
        }
        // Four weight rows per block of 256 threads, never split; K only a multiple of 8.
        assertEquals(new GemmPlan(Kernel.GEMV_BF16_8, 1537, 1, 1, 0, 256, 0), H100.plan(8, 6147, 96));
        assertEquals(new GemmPlan(Kernel.GEMV_BF16_1, 32064, 1, 1, 0, 256, 0), H100.plan(1, 128256, 4096));
        assertEquals(new GemmPlan(Kernel.GEMV_BF16_2, 25, 1, 1, 0, 256, 0), H100.plan(2, 100, 24));
    }

    @Test
    void tensorCoresBeyondEightRows() {
        for (int m : new int[] {CudaOps.GEMV_MAX_ROWS + 1, 16, 64, 128}) {
            for (int n : new int[] {64, 4096, 128256}) {
                GemmPlan p = H100.plan(m, n, 4096);
                assertEquals(64, tile(p.kernel())[0], "skinny products get 64-row tiles: " + p);
            }
        }
        assertEquals(Kernel.GEMM_TC_128X128, H100.plan(129, 4096, 4096).kernel());
        assertEquals(Kernel.GEMM_TC_128X128, H100.plan(8192, 4096, 4096).kernel());
        for (int m : new int[] {9, 100, 129, 8192}) {
            GemmPlan p = H100.plan(m, 4096, 4096);
            assertTrue(p.threads() > 0 && p.threads() % 32 == 0 && p.shared() > 0, p.toString());
        }
    }

    @Test
    void hopperUsesWgmmaWithOneGridDimensionOverTheTiles() {
        CudaOps hopper = new CudaOps(null, 132, CudaOps.HOPPER_SHARED_PER_BLOCK, true);
        assertEquals(Kernel.GEMV_BF16_1, hopper.plan(1, 4096, 4096).kernel());
        GemmPlan decode = hopper.plan(64, 28672, 4096);
        assertEquals(Kernel.GEMM_WG_64X256, decode.kernel());
        assertEquals(112, decode.gridX(), "one block per 64 x 256 tile");
        assertEquals(128, decode.threads());
        GemmPlan prefill = hopper.plan(8192, 4096, 4096);
        assertEquals(new GemmPlan(Kernel.GEMM_WG_128X256, 64 * 16, 1, 1, 64, 256, 4 * (128 + 256) * 128 + 1024),
                prefill);
        assertTrue(prefill.shared() <= CudaOps.HOPPER_SHARED_PER_BLOCK);
        assertEquals(Kernel.GEMM_WG_128X256, hopper.plan(65, 4096, 4096).kernel());
        assertEquals(Kernel.GEMM_TC_64X64, hopper.withoutWgmma().plan(64, 4096, 4096).kernel());
    }

    @Test
    void tensorCoresRefuseARaggedK() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> H100.plan(9, 64, 40));
        assertTrue(e.getMessage().contains("multiple of"), e.getMessage());
        // Fewer than 9 rows with K not a multiple of 8: no GEMV, and no tensor-core product either.
        assertThrows(IllegalArgumentException.class, () -> H100.plan(1, 64, 12));
    }

    @Test
    void splitsKWhenTooFewBlocks() {
        // Decode at batch 16 through a 4096 x 4096 product: far fewer tiles than twice 132 SMs, so K is cut.
        GemmPlan p = H100.plan(16, 4096, 4096);
        assertTrue(p.splits() > 1, p.toString());
        // One block: as many splits as the cap of 8 allows.
        assertEquals(8, H100.plan(16, 64, 14336).splits());
        // Enough blocks: no split.
        assertEquals(1, H100.plan(1024, 8192, 4096).splits());
        assertEquals(1, H100.plan(8192, 4096, 4096).splits());
    }

    @Test
    void neverSplitsBelow256OfK() {
        int depth = kTile();
        // K = 256 or less, or anything short of two splits' worth, stays whole.
        assertEquals(1, H100.plan(16, 64, 256).splits());
        assertEquals(1, H100.plan(16, 64, 64).splits());
        assertEquals(1, H100.plan(16, 64, 448).splits());
        GemmPlan two = H100.plan(16, 64, 512);
        assertEquals(2, two.splits(), two.toString());
        assertEquals(MIN_SPLIT_K, two.kTilesPerSplit() * depth, two.toString());
    }

    @Test
    void everyPlanCoversItsProductOnBothDevices() {
        int depth = kTile();
        for (CudaOps ops : new CudaOps[] {H100, A100}) {
            for (int m : MS) {
                for (int n : NS) {
                    for (int k : KS) {
                        checkTensorCorePlan(ops, depth, m, n, k);
                    }
                }
            }
        }
    }

    private static void checkTensorCorePlan(CudaOps ops, int depth, int m, int n, int k) {
        GemmPlan p = ops.plan(m, n, k);
        String where = "m=" + m + " n=" + n + " k=" + k + " on " + ops.multiprocessors() + " SMs: " + p;
        int[] t = tile(p.kernel());
        assertEquals(m > 128 ? 128 : 64, t[0], where);
        assertEquals((n + t[1] - 1) / t[1], p.gridX(), where);
        assertEquals((m + t[0] - 1) / t[0], p.gridY(), where);
        assertEquals(0, k % depth, where);
        int kTiles = k / depth;
        assertTrue(p.splits() >= 1 && p.splits() <= 8, where);
        // kTilesPerSplit x splits covers K, and no split is empty.
        assertTrue((long) p.kTilesPerSplit() * p.splits() >= kTiles, where);
        assertTrue((long) p.kTilesPerSplit() * (p.splits() - 1) < kTiles, where);
        if (p.splits() > 1) {
            assertTrue(p.kTilesPerSplit() * depth >= MIN_SPLIT_K, "a split shorter than 256 of K: " + where);
            assertTrue(p.gridX() * p.gridY() < 2 * ops.multiprocessors(), "split although the device is full: "
                    + where);
        } else {
            assertEquals(kTiles, p.kTilesPerSplit(), where);
        }
    }

    @Test
    void decodeSplitSizeIsAMultipleOf64CoveringTheContext() {
        assertEquals(64, CudaOps.decodeSplitSize(1, 1));
        assertEquals(64, CudaOps.decodeSplitSize(100, 1152));
        assertEquals(1152, CudaOps.decodeSplitSize(1, 1152));
        assertEquals(128, CudaOps.decodeSplitSize(9, 1152));
        for (int context : new int[] {1, 63, 64, 65, 127, 1000, 1152, 4096, 4160, 32768, 131072}) {
            for (int splits = 1; splits <= 300; splits++) {
                int size = CudaOps.decodeSplitSize(splits, context);
                String where = splits + " splits of " + context;
                assertTrue(size >= 64 && size % 64 == 0, where + ": " + size);
                assertTrue((long) size * splits >= context, where + ": " + size);
            }
        }
    }

    @Test
    void decodeSplitsCoverMaxContext() {
        // Batch 1 of llama-3.1-8b (8 kv heads) at 1152 positions on an H100: 33 splits wanted, 18 of 64 positions.
        assertEquals(18, H100.decodeSplits(1, 8, 1152));
        assertEquals(1, H100.decodeSplits(64, 8, 1152));
        for (CudaOps ops : new CudaOps[] {H100, A100}) {
            for (int kvHeads : new int[] {1, 2, 8, 12, 32}) {
                for (int context : new int[] {1, 64, 65, 1000, 1152, 4096, 131072}) {
                    for (int batch = 1; batch <= 64; batch++) {
                        int splits = ops.decodeSplits(batch, kvHeads, context);
                        // What attentionDecode launches for that count.
                        int size = CudaOps.decodeSplitSize(splits, context);
                        String where = "batch " + batch + ", " + kvHeads + " kv heads, context " + context + ": "
                                + splits + " splits of " + size;
                        int wanted = Math.max(1, (2 * ops.multiprocessors() + batch * kvHeads - 1)
                                / (batch * kvHeads));
                        assertTrue(splits >= 1 && splits <= wanted, where);
                        assertTrue((long) size * splits >= context, where);
                        assertTrue((long) size * (splits - 1) < context, "an empty split: " + where);
                    }
                }
            }
        }
    }
}
