// Embedding gather: the residual stream starts as the token's row of the (bf16) embedding table, in fp32.

#include "common.cuh"

// x[t][i] = embedding[tokens[t]][i] for t in [0, T) (one block per token), i in [0, hidden).
extern "C" __global__ void embed_gather(const int32_t* __restrict__ tokens, const bf16_t* __restrict__ table,
        float* __restrict__ x, int hidden) {
    const int t = blockIdx.x;
    const bf16_t* row = table + (size_t) tokens[t] * hidden;
    float* out = x + (size_t) t * hidden;
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
        out[i] = bf16_to_float(row[i]);
    }
}
