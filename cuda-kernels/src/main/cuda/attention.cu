// Causal grouped-query attention over the paged bf16 KV cache (per layer [block][position in block][kvHeads *
// headDim]; position p of the sequence in slot s is in block blockTables[s * maxBlocksPerSeq + p / blockSize]), fp32
// softmax and accumulation, softmax(q.k / sqrt(headDim)) . v, written as bf16 [token][heads * headDim].
//
//  - attn_decode_<D> + attn_combine: one query token per sequence (decode). The context is cut into splits so
//    that batch 1 still fills the GPU (flash-decoding); each block takes one (split, kv head, sequence) and every
//    query head of that kv head's group, so K and V are read once per group; attn_combine merges the splits'
//    partial results with their maxima and sums. Each sequence's context length comes from device memory, and
//    blocks past it return at once, so a captured graph serves every step.
//  - attn_prefill_<D>: chunks of any length (prefill, chunked prefill, mixed steps) in the FlashAttention-2 way:
//    64 queries x 64 keys per tile on tensor cores (mma.sync m16n8k16), online softmax in registers, the
//    probabilities fed back as the A operand of P.V. Query i of a chunk starting at position p attends to
//    positions [0, p + i].

#include "common.cuh"

namespace tm_attention {

// Row of the cache holding position p of the sequence whose block table starts at `table`.
__device__ __forceinline__ size_t cache_row(const int32_t* __restrict__ table, int p, int blockSize) {
    return (size_t) table[p / blockSize] * blockSize + p % blockSize;
}

constexpr float LOG2E = 1.4426950408889634f;
constexpr int MAX_GROUP = 8;  // query heads per kv head the decode kernel holds in registers

// grid (splits, kvHeads, batch), 128 threads. partO: [batch][heads][splits][D] (unnormalized), partML: [..][2].
// The split's positions are walked in tiles of 64: K and V rows are staged in shared memory with 16-byte
// asynchronous copies; each score (position, query head) is a dot product of one thread pair over the head
// dimension (K read once for every head of the group); each warp updates the running maximum and sum of its heads;
// then each thread accumulates P.V for one dimension of every head of the group.
template <int D>
__device__ __forceinline__ void attn_decode(const bf16_t* __restrict__ q, const bf16_t* __restrict__ kCache,
        const bf16_t* __restrict__ vCache, const int32_t* __restrict__ slots, const int32_t* __restrict__ ctxLens,
        float* __restrict__ partO, float* __restrict__ partML, int heads, int kvHeads,
        const int32_t* __restrict__ blockTables, int blockSize, int maxBlocksPerSeq, int splitSize, float scale) {
    constexpr int THREADS = 128;
    constexpr int TILE = 64;
    constexpr int CPR = D / 8;          // 16-byte chunks per row
    constexpr int STRIDE = D + 8;       // padded row: 8 consecutive rows start in distinct bank groups
    constexpr int NGRP = THREADS / D;   // thread groups splitting a tile's positions in P.V
    __shared__ __align__(16) bf16_t Ks[TILE * STRIDE];
    __shared__ __align__(16) bf16_t Vs[TILE * STRIDE];
    __shared__ float Qs[MAX_GROUP * D];
    __shared__ float Ps[MAX_GROUP * TILE];
    __shared__ float smM[MAX_GROUP];
    __shared__ float smL[MAX_GROUP];
    __shared__ float smCorr[MAX_GROUP];
    __shared__ float red[(NGRP > 1 ? NGRP : 1) * MAX_GROUP * D];

    const int split = blockIdx.x;
    const int kvh = blockIdx.y;
    const int b = blockIdx.z;
    const int splits = gridDim.x;
    const int group = heads / kvHeads;
    const int tid = threadIdx.x;
    const int warp = tid >> 5;
    const int lane = tid & 31;
    const int ctx = ctxLens[b];
    const int s0 = split * splitSize;
    const int s1 = min(ctx, s0 + splitSize);
    const int kvDim = kvHeads * D;

    for (int i = tid; i < group * D; i += THREADS) {
        Qs[i] = bf16_to_float(q[(size_t) b * heads * D + (size_t) kvh * group * D + i]) * scale * LOG2E;
    }
    if (tid < MAX_GROUP) {
        smM[tid] = -INFINITY;
        smL[tid] = 0.0f;
    }
    const int32_t* table = blockTables + (size_t) slots[b] * maxBlocksPerSeq;
    const size_t headOffset = (size_t) kvh * D;
    const int d = tid % D;
    const int grp = tid / D;
    float acc[MAX_GROUP];
#pragma unroll
    for (int g = 0; g < MAX_GROUP; g++) {
        acc[g] = 0.0f;
    }

    for (int t0 = s0; t0 < s1; t0 += TILE) {
        const int rows = min(TILE, s1 - t0);
        __syncthreads();  // the previous tile is no longer read (and Qs, smM are written, the first time)
        for (int i = tid; i < TILE * CPR; i += THREADS) {
            const int r = i / CPR;
            const int c = i - r * CPR;
            const size_t off = cache_row(table, t0 + min(r, rows - 1), blockSize) * kvDim + headOffset + c * 8;
            const int bytes = r < rows ? 16 : 0;
            cp_async16(smem_u32(Ks + r * STRIDE + c * 8), kCache + off, bytes);
            cp_async16(smem_u32(Vs + r * STRIDE + c * 8), vCache + off, bytes);
        }
        cp_async_commit();
        cp_async_wait<0>();
        __syncthreads();

        // Scores: thread pair (j, half) over alternate 16-byte chunks of row j.
        {
            const int j = tid >> 1;
            const int half = tid & 1;
            float sc[MAX_GROUP];
#pragma unroll
            for (int g = 0; g < MAX_GROUP; g++) {
                sc[g] = 0.0f;
            }
#pragma unroll 4
            for (int c = half; c < CPR; c += 2) {
                const uint4 kv = *reinterpret_cast<const uint4*>(Ks + j * STRIDE + c * 8);
                const uint32_t w[4] = {kv.x, kv.y, kv.z, kv.w};
                float kf[8];
#pragma unroll
                for (int e = 0; e < 4; e++) {
                    kf[2 * e] = __uint_as_float(w[e] << 16);
                    kf[2 * e + 1] = __uint_as_float(w[e] & 0xFFFF0000u);
                }
#pragma unroll
                for (int g = 0; g < MAX_GROUP; g++) {
                    if (g < group) {
                        const float* qg = Qs + g * D + c * 8;
#pragma unroll
                        for (int e = 0; e < 8; e++) {
                            sc[g] = fmaf(qg[e], kf[e], sc[g]);
                        }
                    }
                }
            }
#pragma unroll
            for (int g = 0; g < MAX_GROUP; g++) {
                if (g < group) {
                    const float v = sc[g] + __shfl_xor_sync(0xFFFFFFFFu, sc[g], 1);
                    if (half == 0) {
                        Ps[g * TILE + j] = j < rows ? v : -INFINITY;
                    }
                }
            }
        }
        __syncthreads();

        // Online softmax: warp w owns heads w and w + 4.
        for (int g = warp; g < group; g += THREADS / 32) {
            const float a0 = Ps[g * TILE + lane];
            const float a1 = Ps[g * TILE + lane + 32];
            const float mOld = smM[g];
            const float mNew = fmaxf(mOld, warp_max(fmaxf(a0, a1)));
            const float p0 = exp2f(a0 - mNew);
            const float p1 = exp2f(a1 - mNew);
            Ps[g * TILE + lane] = p0;
            Ps[g * TILE + lane + 32] = p1;
            const float sum = warp_sum(p0 + p1);
            if (lane == 0) {
                const float corr = exp2f(mOld - mNew);
                smCorr[g] = corr;
                smL[g] = smL[g] * corr + sum;
                smM[g] = mNew;
            }
        }
        __syncthreads();

        // P.V: thread (grp, d) over positions j = grp, grp + NGRP, ...
#pragma unroll
        for (int g = 0; g < MAX_GROUP; g++) {
            if (g < group) {
                acc[g] *= smCorr[g];
            }
        }
#pragma unroll 4
        for (int j = grp; j < TILE; j += NGRP) {
            const float v = bf16_to_float(Vs[j * STRIDE + d]);
#pragma unroll
            for (int g = 0; g < MAX_GROUP; g++) {
                if (g < group) {
                    acc[g] = fmaf(Ps[g * TILE + j], v, acc[g]);
                }
            }
        }
    }
    __syncthreads();
    if (NGRP > 1) {
#pragma unroll
        for (int g = 0; g < MAX_GROUP; g++) {
            if (g < group) {
                red[(grp * MAX_GROUP + g) * D + d] = acc[g];
            }
        }
        __syncthreads();
    }
    if (grp == 0) {
#pragma unroll
        for (int g = 0; g < MAX_GROUP; g++) {
            if (g < group) {
                float o = acc[g];
                for (int k = 1; k < NGRP; k++) {
                    o += red[(k * MAX_GROUP + g) * D + d];
                }
                const size_t row = ((size_t) b * heads + kvh * group + g) * splits + split;
                // An empty split (past the context) has m = -inf, l = 0 and o = 0: attn_combine skips it.
                partO[row * D + d] = o;
                if (d == 0) {
                    partML[row * 2] = smM[g];
                    partML[row * 2 + 1] = smL[g];
                }
            }
        }
    }
}

// Physical 16-byte chunk of logical chunk c in row r of a [rows][D] bf16 tile (D / 8 chunks per row).
template <int D>
__device__ __forceinline__ int swz(int r, int c) {
    if constexpr (D >= 64) {
        return c ^ (r & 7);
    } else {
        return c ^ ((r >> 1) & 3);
    }
}

// grid (ceil(longest chunk / 64), heads, sequences), 128 threads (4 warps x 16 queries).
template <int D>
__device__ __forceinline__ void attn_prefill(const bf16_t* __restrict__ q, const bf16_t* __restrict__ kCache,
        const bf16_t* __restrict__ vCache, const int32_t* __restrict__ seqStart, const int32_t* __restrict__ seqLen,
        const int32_t* __restrict__ seqPos, const int32_t* __restrict__ seqSlot, bf16_t* __restrict__ out,
        int heads, int kvHeads, const int32_t* __restrict__ blockTables, int blockSize, int maxBlocksPerSeq,
        float scale) {
    constexpr int BQ = 64;
    constexpr int BKV = 64;
    constexpr int CPR = D / 8;  // 16-byte chunks per row
    __shared__ __align__(128) bf16_t Qs[BQ * D];
    __shared__ __align__(128) bf16_t Ks[BKV * D];
    __shared__ __align__(128) bf16_t Vs[BKV * D];
    const int b = blockIdx.z;
    const int h = blockIdx.y;
    const int qLen = seqLen[b];
    const int q0 = blockIdx.x * BQ;
    if (q0 >= qLen) {
        return;
    }
    const int tid = threadIdx.x;
    const int warp = tid >> 5;
    const int lane = tid & 31;
    const int group = heads / kvHeads;
    const int kvh = h / group;
    const int kvDim = kvHeads * D;
    const int qDim = heads * D;
    const int p0 = seqPos[b];
    const int rowStart = seqStart[b];
    const int lastValid = min(qLen, q0 + BQ) - 1;
    const int kvEnd = p0 + lastValid + 1;
    const int32_t* table = blockTables + (size_t) seqSlot[b] * maxBlocksPerSeq;
    const size_t headOffset = (size_t) kvh * D;

    for (int i = tid; i < BQ * CPR; i += 128) {
        const int r = i / CPR;
        const int c = i - r * CPR;
        const int qi = q0 + r;
        const bf16_t* src = q + (size_t) (rowStart + min(qi, qLen - 1)) * qDim + (size_t) h * D + c * 8;
        cp_async16(smem_u32(Qs + r * D + swz<D>(r, c) * 8), src, qi < qLen ? 16 : 0);
    }
    cp_async_commit();
    cp_async_wait<0>();
    __syncthreads();
    uint32_t qf[D / 16][4];
#pragma unroll
    for (int kk = 0; kk < D / 16; kk++) {
        const int r = warp * 16 + (lane & 15);
        const int c = kk * 2 + (lane >> 4);
        ldmatrix_x4(qf[kk], smem_u32(Qs + r * D + swz<D>(r, c) * 8));
    }

    float o[D / 8][4];
#pragma unroll
    for (int j = 0; j < D / 8; j++) {
#pragma unroll
        for (int e = 0; e < 4; e++) {
            o[j][e] = 0.0f;
        }
    }
    float mRow[2] = {-INFINITY, -INFINITY};
    float lRow[2] = {0.0f, 0.0f};
    // The positions this thread's two query rows may see (rows past the chunk behave as its last query).
    int pq[2];
#pragma unroll
    for (int hh = 0; hh < 2; hh++) {
        const int qi = q0 + warp * 16 + (lane >> 2) + hh * 8;
        pq[hh] = p0 + min(qi, qLen - 1);
    }
    const float sl2 = scale * LOG2E;

    for (int j0 = 0; j0 < kvEnd; j0 += BKV) {
        __syncthreads();  // the previous tile is no longer read
        for (int i = tid; i < BKV * CPR; i += 128) {
            const int r = i / CPR;
            const int c = i - r * CPR;
            const int kp = j0 + r;
            const size_t off = cache_row(table, min(kp, kvEnd - 1), blockSize) * kvDim + headOffset + c * 8;
            const int bytes = kp < kvEnd ? 16 : 0;
            cp_async16(smem_u32(Ks + r * D + swz<D>(r, c) * 8), kCache + off, bytes);
            cp_async16(smem_u32(Vs + r * D + swz<D>(r, c) * 8), vCache + off, bytes);
        }
        cp_async_commit();
        cp_async_wait<0>();
        __syncthreads();

        float s[BKV / 8][4];
#pragma unroll
        for (int j = 0; j < BKV / 8; j++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                s[j][e] = 0.0f;
            }
        }
#pragma unroll
        for (int kk = 0; kk < D / 16; kk++) {
#pragma unroll
            for (int nj = 0; nj < BKV / 8; nj += 2) {
                const int r = nj * 8 + (lane & 7) + ((lane >> 4) << 3);
                const int c = kk * 2 + ((lane >> 3) & 1);
                uint32_t t[4];
                ldmatrix_x4(t, smem_u32(Ks + r * D + swz<D>(r, c) * 8));
                mma_bf16_16816(s[nj], qf[kk], t[0], t[1]);
                mma_bf16_16816(s[nj + 1], qf[kk], t[2], t[3]);
            }
        }
        // Scale to log2 units, mask, and update the running maxima.
        float mx[2] = {-INFINITY, -INFINITY};
#pragma unroll
        for (int j = 0; j < BKV / 8; j++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                const int kp = j0 + j * 8 + (lane & 3) * 2 + (e & 1);
                const int hh = e >> 1;
                const float v = kp <= pq[hh] ? s[j][e] * sl2 : -INFINITY;
                s[j][e] = v;
                mx[hh] = fmaxf(mx[hh], v);
            }
        }
        float corr[2];
#pragma unroll
        for (int hh = 0; hh < 2; hh++) {
            mx[hh] = fmaxf(mx[hh], __shfl_xor_sync(0xFFFFFFFFu, mx[hh], 1));
            mx[hh] = fmaxf(mx[hh], __shfl_xor_sync(0xFFFFFFFFu, mx[hh], 2));
            const float mNew = fmaxf(mRow[hh], mx[hh]);
            // Position 0 is in the first tile and visible to every row, so mNew is finite from then on.
            corr[hh] = exp2f(mRow[hh] - mNew);
            mRow[hh] = mNew;
            lRow[hh] *= corr[hh];
        }
#pragma unroll
        for (int j = 0; j < BKV / 8; j++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                const int hh = e >> 1;
                const float p = exp2f(s[j][e] - mRow[hh]);
                s[j][e] = p;
                lRow[hh] += p;
            }
        }
#pragma unroll
        for (int j = 0; j < D / 8; j++) {
            o[j][0] *= corr[0];
            o[j][1] *= corr[0];
            o[j][2] *= corr[1];
            o[j][3] *= corr[1];
        }
#pragma unroll
        for (int kk = 0; kk < BKV / 16; kk++) {
            uint32_t pa[4];
            pa[0] = pack_bf16x2(s[2 * kk][0], s[2 * kk][1]);
            pa[1] = pack_bf16x2(s[2 * kk][2], s[2 * kk][3]);
            pa[2] = pack_bf16x2(s[2 * kk + 1][0], s[2 * kk + 1][1]);
            pa[3] = pack_bf16x2(s[2 * kk + 1][2], s[2 * kk + 1][3]);
#pragma unroll
            for (int dj = 0; dj < D / 8; dj += 2) {
                const int r = kk * 16 + (lane & 7) + ((lane >> 3) & 1) * 8;
                const int c = dj + (lane >> 4);
                uint32_t t[4];
                ldmatrix_x4_trans(t, smem_u32(Vs + r * D + swz<D>(r, c) * 8));
                mma_bf16_16816(o[dj], pa, t[0], t[1]);
                mma_bf16_16816(o[dj + 1], pa, t[2], t[3]);
            }
        }
    }
#pragma unroll
    for (int hh = 0; hh < 2; hh++) {
        lRow[hh] += __shfl_xor_sync(0xFFFFFFFFu, lRow[hh], 1);
        lRow[hh] += __shfl_xor_sync(0xFFFFFFFFu, lRow[hh], 2);
    }
#pragma unroll
    for (int hh = 0; hh < 2; hh++) {
        const int qi = q0 + warp * 16 + (lane >> 2) + hh * 8;
        if (qi < qLen) {
            const float inv = 1.0f / lRow[hh];
            bf16_t* dst = out + (size_t) (rowStart + qi) * qDim + (size_t) h * D;
#pragma unroll
            for (int j = 0; j < D / 8; j++) {
                const int d = j * 8 + (lane & 3) * 2;
                *reinterpret_cast<uint32_t*>(dst + d) = pack_bf16x2(o[j][2 * hh] * inv, o[j][2 * hh + 1] * inv);
            }
        }
    }
}

}  // namespace tm_attention

using namespace tm_attention;

#define TM_ATTN(D)                                                                                               \
    extern "C" __global__ void __launch_bounds__(128) attn_decode_##D(const bf16_t* __restrict__ q,             \
            const bf16_t* __restrict__ kCache, const bf16_t* __restrict__ vCache,                                \
            const int32_t* __restrict__ slots, const int32_t* __restrict__ ctxLens, float* __restrict__ partO,   \
            float* __restrict__ partML, int heads, int kvHeads, const int32_t* __restrict__ blockTables,         \
            int blockSize, int maxBlocksPerSeq, int splitSize, float scale) {                                    \
        attn_decode<D>(q, kCache, vCache, slots, ctxLens, partO, partML, heads, kvHeads, blockTables, blockSize, \
                maxBlocksPerSeq, splitSize, scale);                                                              \
    }                                                                                                            \
    extern "C" __global__ void __launch_bounds__(128) attn_prefill_##D(const bf16_t* __restrict__ q,            \
            const bf16_t* __restrict__ kCache, const bf16_t* __restrict__ vCache,                                \
            const int32_t* __restrict__ seqStart, const int32_t* __restrict__ seqLen,                            \
            const int32_t* __restrict__ seqPos, const int32_t* __restrict__ seqSlot, bf16_t* __restrict__ out,  \
            int heads, int kvHeads, const int32_t* __restrict__ blockTables, int blockSize, int maxBlocksPerSeq, \
            float scale) {                                                                                       \
        attn_prefill<D>(q, kCache, vCache, seqStart, seqLen, seqPos, seqSlot, out, heads, kvHeads, blockTables, \
                blockSize, maxBlocksPerSeq, scale);                                                              \
    }

TM_ATTN(32)
TM_ATTN(64)
TM_ATTN(128)

// Merges the splits of attn_decode_*: grid (heads, batch), headDim threads. out: bf16 [batch][heads * headDim].
extern "C" __global__ void attn_combine(const float* __restrict__ partO, const float* __restrict__ partML,
        bf16_t* __restrict__ out, int heads, int headDim, int splits) {
    const int h = blockIdx.x;
    const int b = blockIdx.y;
    const size_t row0 = ((size_t) b * heads + h) * splits;
    float mx = -INFINITY;
    for (int s = 0; s < splits; s++) {
        mx = fmaxf(mx, partML[(row0 + s) * 2]);
    }
    for (int d = threadIdx.x; d < headDim; d += blockDim.x) {
        float o = 0.0f;
        float sum = 0.0f;
        for (int s = 0; s < splits; s++) {
            const float ms = partML[(row0 + s) * 2];
            if (ms != -INFINITY) {
                const float f = exp2f(ms - mx);
                o += partO[(row0 + s) * headDim + d] * f;
                sum += partML[(row0 + s) * 2 + 1] * f;
            }
        }
        out[((size_t) b * heads + h) * headDim + d] = float_to_bf16(o / sum);
    }
}
