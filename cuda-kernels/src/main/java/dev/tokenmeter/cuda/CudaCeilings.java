package dev.tokenmeter.cuda;

import static dev.tokenmeter.cuda.CudaException.check;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;

import dev.tokenmeter.backend.DeviceCeilings;
import java.util.Arrays;
import java.util.Locale;
import jcuda.driver.CUdeviceptr;

/**
 * The device's two ceilings, measured once when it opens: memory bandwidth from device-to-device copies (bytes
 * read plus bytes written, as nvbench and the reference tools count them), and bf16 FLOP/s from tokenmeter's own
 * tensor-core product at 8192³ on synthetic (non-zero) data. Each is the median of timed repetitions after a
 * warm-up, timed with CUDA events; how far the median fell below the best is recorded as the figure's spread.
 */
final class CudaCeilings {
    static final int GEMM_SIZE = 8192;
    private static final int WARMUP = 3;
    private static final int REPEATS = 9;

    private CudaCeilings() {
    }

    static DeviceCeilings measure(CudaOps ops, Synthetic synthetic, long freeBytes) {
        long copyBytes = Math.max(64L << 20, Math.min(1L << 30, freeBytes / 8)) / 4 * 4;
        double bandwidth;
        double bandwidthSpread;
        try (Arena a = Arena.allocate(2 * Arena.aligned(copyBytes)); CudaEvents ev = new CudaEvents()) {
            CUdeviceptr src = a.take(copyBytes, "copy source");
            CUdeviceptr dst = a.take(copyBytes, "copy destination");
            check(cuMemsetD32Async(src, 0x3F803F80, copyBytes / 4, ops.launcher().stream()), "cuMemsetD32Async");
            double[] ms = new double[REPEATS];
            for (int i = -WARMUP; i < REPEATS; i++) {
                ev.recordStart(ops.launcher().stream());
                check(cuMemcpyDtoDAsync(dst, src, copyBytes, ops.launcher().stream()), "cuMemcpyDtoDAsync");
                long ns = ev.recordEndAndWait(ops.launcher().stream());
                if (i >= 0) {
                    ms[i] = ns / 1e6;
                }
            }
            bandwidth = 2.0 * copyBytes / (median(ms) / 1e3);
            bandwidthSpread = spread(ms);
        }
        int n = GEMM_SIZE;
        long elems = (long) n * n;
        double flops;
        double flopsSpread;
        try (Arena a = Arena.allocate(2 * Arena.aligned(elems * 2) + Arena.aligned(elems * 4));
                CudaEvents ev = new CudaEvents()) {
            CUdeviceptr x = a.take(elems * 2, "gemm A");
            CUdeviceptr w = a.take(elems * 2, "gemm W");
            CUdeviceptr out = a.take(elems * 4, "gemm C");
            synthetic.fillBf16Raw(x, 7, 1, elems, 1.0f, 0.0f);
            synthetic.fillBf16Raw(w, 7, 2, elems, 1.0f, 0.0f);
            CudaException.check(jcuda.driver.JCudaDriver.cuCtxSynchronize(), "cuCtxSynchronize");
            double[] ms = new double[REPEATS];
            for (int i = -WARMUP; i < REPEATS; i++) {
                ev.recordStart(ops.launcher().stream());
                ops.gemm(x, w, out, n, n, n, CudaOps.Out.STORE);
                long ns = ev.recordEndAndWait(ops.launcher().stream());
                if (i >= 0) {
                    ms[i] = ns / 1e6;
                }
            }
            flops = 2.0 * n * n * (double) n / (median(ms) / 1e3);
            flopsSpread = spread(ms);
        }
        return new DeviceCeilings(bandwidth, flops, String.format(Locale.ROOT,
                "measured: device-to-device copy of %d MiB (read + write), tokenmeter's bf16 tensor-core GEMM %d^3",
                copyBytes >> 20, n), bandwidthSpread, flopsSpread, REPEATS);
    }

    /**
     * How far the median repetition's rate fell below the best one's, from their times: 1 − fastest / median time
     * (the median is the figure kept here, as a GPU's repetitions agree closely; the spread says when they did not).
     */
    private static double spread(double[] ms) {
        double fastest = Arrays.stream(ms).min().orElseThrow();
        double median = median(ms);
        return median > 0 ? Math.max(0, Math.min(1 - fastest / median, Math.nextDown(1.0))) : 0;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
