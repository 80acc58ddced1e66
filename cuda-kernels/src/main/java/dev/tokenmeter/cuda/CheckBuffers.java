package dev.tokenmeter.cuda;

import static dev.tokenmeter.cuda.CudaException.check;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

import dev.tokenmeter.checkpoint.Bf16;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * The device memory and random inputs of {@link KernelChecks}: buffers uploaded from and downloaded to the host (a
 * download synchronizes first), each in an arena of its own, all freed by {@link #free}; random bf16 and fp32 values
 * and scrambled block tables, from the checks' one seeded generator.
 */
final class CheckBuffers {
    private final SplittableRandom random;
    private final List<Arena> arenas = new ArrayList<>();

    CheckBuffers(long seed) {
        this.random = new SplittableRandom(seed);
    }

    CUdeviceptr alloc(long bytes) {
        Arena a = Arena.allocate(Arena.aligned(Math.max(bytes, 4)));
        arenas.add(a);
        return a.take(bytes, "check buffer");
    }

    CUdeviceptr upload(short[] v) {
        CUdeviceptr p = alloc(2L * v.length);
        check(cuMemcpyHtoD(p, Pointer.to(v), 2L * v.length), "cuMemcpyHtoD");
        return p;
    }

    CUdeviceptr upload(float[] v) {
        CUdeviceptr p = alloc(4L * v.length);
        check(cuMemcpyHtoD(p, Pointer.to(v), 4L * v.length), "cuMemcpyHtoD");
        return p;
    }

    CUdeviceptr upload(int[] v) {
        CUdeviceptr p = alloc(4L * v.length);
        check(cuMemcpyHtoD(p, Pointer.to(v), 4L * v.length), "cuMemcpyHtoD");
        return p;
    }

    void sync() {
        check(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    float[] downloadF(CUdeviceptr p, int n) {
        sync();
        float[] v = new float[n];
        check(cuMemcpyDtoH(Pointer.to(v), p, 4L * n), "cuMemcpyDtoH");
        return v;
    }

    float[] downloadBf16(CUdeviceptr p, int n) {
        sync();
        short[] v = new short[n];
        check(cuMemcpyDtoH(Pointer.to(v), p, 2L * n), "cuMemcpyDtoH");
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = Bf16.toFloat(v[i]);
        }
        return f;
    }

    int[] downloadI(CUdeviceptr p, int n) {
        sync();
        int[] v = new int[n];
        check(cuMemcpyDtoH(Pointer.to(v), p, 4L * n), "cuMemcpyDtoH");
        return v;
    }

    void free() {
        for (Arena a : arenas) {
            try {
                a.close();
            } catch (RuntimeException e) {
                // keep freeing the rest
            }
        }
        arenas.clear();
    }

    /** Random bf16 values in [-amp, amp). */
    short[] bf16s(int n, double amp) {
        short[] v = new short[n];
        for (int i = 0; i < n; i++) {
            v[i] = Bf16.fromFloat((float) ((random.nextDouble() * 2 - 1) * amp));
        }
        return v;
    }

    float[] floats(int n, double amp) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * amp);
        }
        return v;
    }

    /**
     * Block tables [slot][blocksPerSeq] over a cache of slots × blocksPerSeq blocks, every block used once, in an
     * order scrambled by the checks' seed: the kernels must follow the table, not assume slot-major runs.
     */
    int[] scrambledTables(int slots, int blocksPerSeq) {
        int n = slots * blocksPerSeq;
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return perm;
    }
}
