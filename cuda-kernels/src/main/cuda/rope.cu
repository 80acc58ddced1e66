// RoPE (rotate-half: element i pairs with i + headDim/2) on the fp32 q and k of the fused QKV product, with the
// angles' cosines and sines from a table built on the host (Llama-3 frequency scaling included there, in double,
// as the CPU engine builds it), then:
//   q        -> bf16 [T][heads * headDim], the attention's input;
//   k and v  -> bf16 into the layer's paged KV cache: [block][position in block][kvHeads * headDim], the block of
//               position p of the token's sequence being blockTables[slot * maxBlocksPerSeq + p / blockSize].

#include "common.cuh"

// One block per token. qkv is [T][qDim + 2 kvDim] fp32; cos and sin are [maxContext][headDim / 2].
extern "C" __global__ void rope_kv_append(const float* __restrict__ qkv, const int32_t* __restrict__ positions,
        const int32_t* __restrict__ slots, const float* __restrict__ cosTable, const float* __restrict__ sinTable,
        bf16_t* __restrict__ q, bf16_t* __restrict__ kCache, bf16_t* __restrict__ vCache, int heads, int kvHeads,
        int headDim, const int32_t* __restrict__ blockTables, int blockSize, int maxBlocksPerSeq) {
    const int t = blockIdx.x;
    const int half = headDim >> 1;
    const int qDim = heads * headDim;
    const int kvDim = kvHeads * headDim;
    const int pos = positions[t];
    const float* row = qkv + (size_t) t * (qDim + 2 * kvDim);
    const float* c = cosTable + (size_t) pos * half;
    const float* s = sinTable + (size_t) pos * half;
    const int block = blockTables[(size_t) slots[t] * maxBlocksPerSeq + pos / blockSize];
    const size_t cacheRow = ((size_t) block * blockSize + pos % blockSize) * kvDim;
    // Rotated pairs of q heads, then of k heads.
    const int pairs = (heads + kvHeads) * half;
    for (int p = threadIdx.x; p < pairs; p += blockDim.x) {
        const int h = p / half;
        const int i = p - h * half;
        const float* src = row + h * headDim;  // k heads follow q heads in the row
        const float x1 = src[i];
        const float x2 = src[i + half];
        const float r1 = x1 * c[i] - x2 * s[i];
        const float r2 = x2 * c[i] + x1 * s[i];
        if (h < heads) {
            bf16_t* dst = q + (size_t) t * qDim + h * headDim;
            dst[i] = float_to_bf16(r1);
            dst[i + half] = float_to_bf16(r2);
        } else {
            bf16_t* dst = kCache + cacheRow + (h - heads) * headDim;
            dst[i] = float_to_bf16(r1);
            dst[i + half] = float_to_bf16(r2);
        }
    }
    const float* v = row + qDim + kvDim;
    for (int i = threadIdx.x; i < kvDim; i += blockDim.x) {
        vCache[cacheRow + i] = float_to_bf16(v[i]);
    }
}
