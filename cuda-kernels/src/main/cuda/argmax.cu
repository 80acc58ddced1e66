// Greedy sampling: the index of each row's largest logit, the lowest index on ties; NaN never wins.

#include "common.cuh"

__device__ __forceinline__ bool better(float v, int i, float bv, int bi) {
    if (isnan(v)) {
        return false;
    }
    return isnan(bv) || v > bv || (v == bv && i < bi);
}

// One block per row (blockDim.x a multiple of 32, at most 1024).
extern "C" __global__ void argmax_rows(const float* __restrict__ logits, int32_t* __restrict__ out, int vocab) {
    __shared__ float sv[32];
    __shared__ int si[32];
    const float* row = logits + (size_t) blockIdx.x * vocab;
    float bv = __int_as_float(0x7FC00000);  // NaN: nothing seen yet
    int bi = 0x7FFFFFFF;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        float v = row[i];
        if (better(v, i, bv, bi)) {
            bv = v;
            bi = i;
        }
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        float ov = __shfl_xor_sync(0xFFFFFFFFu, bv, o);
        int oi = __shfl_xor_sync(0xFFFFFFFFu, bi, o);
        if (better(ov, oi, bv, bi)) {
            bv = ov;
            bi = oi;
        }
    }
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    if (lane == 0) {
        sv[warp] = bv;
        si[warp] = bi;
    }
    __syncthreads();
    if (warp == 0) {
        const int warps = blockDim.x >> 5;
        bv = lane < warps ? sv[lane] : __int_as_float(0x7FC00000);
        bi = lane < warps ? si[lane] : 0x7FFFFFFF;
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) {
            float ov = __shfl_xor_sync(0xFFFFFFFFu, bv, o);
            int oi = __shfl_xor_sync(0xFFFFFFFFu, bi, o);
            if (better(ov, oi, bv, bi)) {
                bv = ov;
                bi = oi;
            }
        }
        if (lane == 0) {
            // All NaN: index 0, as the CPU's argmax gives.
            out[blockIdx.x] = bi == 0x7FFFFFFF ? 0 : bi;
        }
    }
}
