// RMSNorm of the fp32 residual stream into the bf16 input of the next product:
// out[r] = x[src] / sqrt(mean(x[src]^2) + eps) * gain, src = rows ? rows[r] : r.

#include "common.cuh"

// One block per output row (any multiple of 32 threads up to 1024). rows (nullable) gathers source rows: the LM
// head normalizes only each sequence's last token.
extern "C" __global__ void rmsnorm_bf16(const float* __restrict__ x, const int32_t* __restrict__ rows,
        const bf16_t* __restrict__ gain, bf16_t* __restrict__ out, int hidden, float eps) {
    __shared__ float partial[32];
    const int r = blockIdx.x;
    const int src = rows ? rows[r] : r;
    const float* in = x + (size_t) src * hidden;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
        float v = in[i];
        ss += v * v;
    }
    ss = warp_sum(ss);
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    if (lane == 0) {
        partial[warp] = ss;
    }
    __syncthreads();
    if (warp == 0) {
        float v = lane < (int) (blockDim.x >> 5) ? partial[lane] : 0.0f;
        v = warp_sum(v);
        if (lane == 0) {
            partial[0] = v;
        }
    }
    __syncthreads();
    const float inv = rsqrtf(partial[0] / (float) hidden + eps);
    bf16_t* o = out + (size_t) r * hidden;
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
        o[i] = float_to_bf16(in[i] * inv * bf16_to_float(gain[i]));
    }
}
