// SwiGLU: act = silu(gate) * up, from the fp32 output of the fused gate-up product ([T][2F]: gate then up).

#include "common.cuh"

// Grid-stride over T * F elements.
extern "C" __global__ void silu_mul(const float* __restrict__ gu, bf16_t* __restrict__ act, int tokens, int ffn) {
    const size_t total = (size_t) tokens * ffn;
    const size_t stride = (size_t) gridDim.x * blockDim.x;
    for (size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x; i < total; i += stride) {
        size_t t = i / ffn;
        size_t j = i - t * ffn;
        float g = gu[t * 2 * ffn + j];
        float u = gu[t * 2 * ffn + ffn + j];
        act[i] = float_to_bf16(g / (1.0f + __expf(-g)) * u);
    }
}
