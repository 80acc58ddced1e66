// Products of the decoder: C[M][N] (fp32) = A[M][K] (bf16 activations, row-major) . W[N][K]^T (bf16 weights,
// [out][in] as the checkpoint stores them), fp32 accumulation. Two families:
//
//  - gemm_tc_*: tensor cores (mma.sync m16n8k16 bf16), tiles staged through shared memory by a multi-stage
//    cp.async pipeline, fragments read with ldmatrix from XOR-swizzled rows (no bank conflicts). Prefill, and
//    decode at batches past the GEMV's. gridDim.z splits K: each split adds its partial product atomically.
//  - gemv_bf16_<m>: m <= 8 activation rows (decode at small batch), bandwidth-bound: a block streams a few weight
//    rows with 16-byte loads across all its threads and reduces in shared memory. CUDA cores suffice there.
//
// mode: 0 stores C; 1 adds to C (the residual stream; one writer per element, deterministic); 2 adds atomically
// (split K: C must hold the residual or zeros beforehand). K must be a multiple of 64 (tc) or 8 (gemv), and
// A and W 16-byte aligned; the launcher checks.

#include "common.cuh"

namespace {

// Physical 16-byte chunk of logical chunk c of tile row r, for rows of CPR chunks (BK / 8): 8 consecutive rows at
// the same logical chunk land in 8 distinct bank groups, so ldmatrix reads them without conflicts.
template <int CPR>
__device__ __forceinline__ int swizzle(int r, int c) {
    if constexpr (CPR >= 8) {
        return c ^ (r & 7);
    } else {
        return c ^ ((r >> 1) & 3);
    }
}

__device__ __forceinline__ void store_out(float* C, size_t idx, float v, int mode) {
    if (mode == 0) {
        C[idx] = v;
    } else if (mode == 1) {
        C[idx] += v;
    } else {
        atomicAdd(C + idx, v);
    }
}

template <int BM, int BN, int BK, int WM, int WN, int STAGES>
__device__ __forceinline__ void gemm_tc(const bf16_t* __restrict__ A, const bf16_t* __restrict__ W,
        float* __restrict__ C, int M, int N, int K, int mode, int kTilesPerSplit) {
    constexpr int WARPS_N = BN / WN;
    constexpr int THREADS = (BM / WM) * WARPS_N * 32;
    constexpr int MI = WM / 16;
    constexpr int NI = WN / 8;
    constexpr int CPR = BK / 8;
    static_assert(NI % 2 == 0, "B fragments are loaded two n8 tiles at a time");
    extern __shared__ __align__(128) uint8_t smem[];
    bf16_t* As = reinterpret_cast<bf16_t*>(smem);
    bf16_t* Ws = As + STAGES * BM * BK;

    const int tid = threadIdx.x;
    const int warp = tid >> 5;
    const int lane = tid & 31;
    const int wm = warp / WARPS_N;
    const int wn = warp % WARPS_N;
    const int m0 = blockIdx.y * BM;
    const int n0 = blockIdx.x * BN;
    const int kTiles = K / BK;  // the launcher checks K % BK == 0
    const int kt0 = blockIdx.z * kTilesPerSplit;
    const int nk = min(kTiles, kt0 + kTilesPerSplit) - kt0;
    if (nk <= 0) {
        return;
    }

    float acc[MI][NI][4];
#pragma unroll
    for (int i = 0; i < MI; i++) {
#pragma unroll
        for (int j = 0; j < NI; j++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                acc[i][j][e] = 0.0f;
            }
        }
    }

    auto load_stage = [&](int stage, int kt) {
        const int kb = kt * BK;
        bf16_t* as = As + stage * BM * BK;
        bf16_t* ws = Ws + stage * BN * BK;
#pragma unroll
        for (int i = tid; i < BM * CPR; i += THREADS) {
            const int r = i / CPR;
            const int c = i % CPR;
            const int gm = m0 + r;
            const bf16_t* src = A + (size_t) min(gm, M - 1) * K + kb + c * 8;
            cp_async16(smem_u32(as + r * BK + swizzle<CPR>(r, c) * 8), src, gm < M ? 16 : 0);
        }
#pragma unroll
        for (int i = tid; i < BN * CPR; i += THREADS) {
            const int r = i / CPR;
            const int c = i % CPR;
            const int gn = n0 + r;
            const bf16_t* src = W + (size_t) min(gn, N - 1) * K + kb + c * 8;
            cp_async16(smem_u32(ws + r * BK + swizzle<CPR>(r, c) * 8), src, gn < N ? 16 : 0);
        }
    };

#pragma unroll
    for (int s = 0; s < STAGES - 1; s++) {
        if (s < nk) {
            load_stage(s, kt0 + s);
        }
        cp_async_commit();
    }

    for (int i = 0; i < nk; i++) {
        cp_async_wait<STAGES - 2>();
        __syncthreads();
        // The stage refilled here was read in iteration i - 1, which every thread has finished (barrier above).
        const int pf = i + STAGES - 1;
        if (pf < nk) {
            load_stage(pf % STAGES, kt0 + pf);
        }
        cp_async_commit();

        const bf16_t* as = As + (i % STAGES) * BM * BK;
        const bf16_t* ws = Ws + (i % STAGES) * BN * BK;
#pragma unroll
        for (int kk = 0; kk < BK / 16; kk++) {
            uint32_t af[MI][4];
            uint32_t bfr[NI][2];
#pragma unroll
            for (int mi = 0; mi < MI; mi++) {
                const int r = wm * WM + mi * 16 + (lane & 15);
                const int c = kk * 2 + (lane >> 4);
                ldmatrix_x4(af[mi], smem_u32(as + r * BK + swizzle<CPR>(r, c) * 8));
            }
#pragma unroll
            for (int nj = 0; nj < NI; nj += 2) {
                const int r = wn * WN + nj * 8 + (lane & 7) + ((lane >> 4) << 3);
                const int c = kk * 2 + ((lane >> 3) & 1);
                uint32_t t[4];
                ldmatrix_x4(t, smem_u32(ws + r * BK + swizzle<CPR>(r, c) * 8));
                bfr[nj][0] = t[0];
                bfr[nj][1] = t[1];
                bfr[nj + 1][0] = t[2];
                bfr[nj + 1][1] = t[3];
            }
#pragma unroll
            for (int mi = 0; mi < MI; mi++) {
#pragma unroll
                for (int nj = 0; nj < NI; nj++) {
                    mma_bf16_16816(acc[mi][nj], af[mi], bfr[nj][0], bfr[nj][1]);
                }
            }
        }
    }
    cp_async_wait<0>();

#pragma unroll
    for (int mi = 0; mi < MI; mi++) {
#pragma unroll
        for (int nj = 0; nj < NI; nj++) {
            const int col = n0 + wn * WN + nj * 8 + (lane & 3) * 2;
#pragma unroll
            for (int h = 0; h < 2; h++) {
                const int row = m0 + wm * WM + mi * 16 + (lane >> 2) + h * 8;
                if (row < M) {
                    const size_t base = (size_t) row * N + col;
                    if (col < N) {
                        store_out(C, base, acc[mi][nj][2 * h], mode);
                    }
                    if (col + 1 < N) {
                        store_out(C, base + 1, acc[mi][nj][2 * h + 1], mode);
                    }
                }
            }
        }
    }
}

// R weight rows per block, all 256 threads striding over K in 16-byte chunks; MT activation rows.
template <int MT, int R>
__device__ __forceinline__ void gemv(const bf16_t* __restrict__ A, const bf16_t* __restrict__ W,
        float* __restrict__ C, int M, int N, int K, int mode) {
    constexpr int THREADS = 256;
    __shared__ float red[THREADS / 32][R * MT];
    const int n0 = blockIdx.x * R;
    const int chunks = K >> 3;
    float acc[R][MT];
#pragma unroll
    for (int r = 0; r < R; r++) {
#pragma unroll
        for (int m = 0; m < MT; m++) {
            acc[r][m] = 0.0f;
        }
    }
    const uint4* W4 = reinterpret_cast<const uint4*>(W);
    const uint4* A4 = reinterpret_cast<const uint4*>(A);
    int rowOf[R];
#pragma unroll
    for (int r = 0; r < R; r++) {
        rowOf[r] = min(n0 + r, N - 1);
    }
#pragma unroll 2
    for (int c = threadIdx.x; c < chunks; c += THREADS) {
        uint4 w[R];
#pragma unroll
        for (int r = 0; r < R; r++) {
            w[r] = __ldcs(W4 + (size_t) rowOf[r] * chunks + c);  // streamed once: keep it out of the caches
        }
#pragma unroll
        for (int m = 0; m < MT; m++) {
            if (m < M) {
                const uint4 a = __ldg(A4 + (size_t) m * chunks + c);
                const uint32_t av[4] = {a.x, a.y, a.z, a.w};
#pragma unroll
                for (int r = 0; r < R; r++) {
                    const uint32_t wv[4] = {w[r].x, w[r].y, w[r].z, w[r].w};
                    float s = acc[r][m];
#pragma unroll
                    for (int e = 0; e < 4; e++) {
                        s = fmaf(__uint_as_float(av[e] << 16), __uint_as_float(wv[e] << 16), s);
                        s = fmaf(__uint_as_float(av[e] & 0xFFFF0000u), __uint_as_float(wv[e] & 0xFFFF0000u), s);
                    }
                    acc[r][m] = s;
                }
            }
        }
    }
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
#pragma unroll
    for (int r = 0; r < R; r++) {
#pragma unroll
        for (int m = 0; m < MT; m++) {
            float v = warp_sum(acc[r][m]);
            if (lane == 0) {
                red[warp][r * MT + m] = v;
            }
        }
    }
    __syncthreads();
    for (int i = threadIdx.x; i < R * MT; i += THREADS) {
        const int r = i / MT;
        const int m = i - r * MT;
        if (m < M && n0 + r < N) {
            float v = 0.0f;
#pragma unroll
            for (int w = 0; w < THREADS / 32; w++) {
                v += red[w][i];
            }
            store_out(C, (size_t) m * N + n0 + r, v, mode);
        }
    }
}

}  // namespace

// Tile shapes picked by timing variants on an H100 (scripts/gpu/kernel_bench.cu; docs/performance.md): 64-deep k
// stages, 64 x 64 warp tiles (more mma per ldmatrix and per barrier than 64 x 32), 3 stages.

// 128 x 128 tiles, 4 warps of 64 x 64, 3 stages of 64 (96 KiB of dynamic shared memory): prefill.
extern "C" __global__ void __launch_bounds__(128) gemm_tc_128x128(const bf16_t* __restrict__ A,
        const bf16_t* __restrict__ W, float* __restrict__ C, int M, int N, int K, int mode, int kTilesPerSplit) {
    gemm_tc<128, 128, 64, 64, 64, 3>(A, W, C, M, N, K, mode, kTilesPerSplit);
}

// 64 x 64 tiles, 4 warps of 64 x 16, 4 stages of 64 (64 KiB): skinny products (decode batches of 9 to 128) with
// few output rows, where small tiles give enough blocks.
extern "C" __global__ void __launch_bounds__(128) gemm_tc_64x64(const bf16_t* __restrict__ A,
        const bf16_t* __restrict__ W, float* __restrict__ C, int M, int N, int K, int mode, int kTilesPerSplit) {
    gemm_tc<64, 64, 64, 64, 16, 4>(A, W, C, M, N, K, mode, kTilesPerSplit);
}

// 64 x 256 tiles, 4 warps of 64 x 64, 3 stages of 64 (120 KiB): skinny products with many output rows (the
// gate-up product, the LM head), where wide tiles stream the weights best.
extern "C" __global__ void __launch_bounds__(128) gemm_tc_64x256(const bf16_t* __restrict__ A,
        const bf16_t* __restrict__ W, float* __restrict__ C, int M, int N, int K, int mode, int kTilesPerSplit) {
    gemm_tc<64, 256, 64, 64, 64, 3>(A, W, C, M, N, K, mode, kTilesPerSplit);
}

#define TM_GEMV(MT)                                                                                              \
    extern "C" __global__ void __launch_bounds__(256) gemv_bf16_##MT(const bf16_t* __restrict__ A,              \
            const bf16_t* __restrict__ W, float* __restrict__ C, int M, int N, int K, int mode) {               \
        gemv<MT, 4>(A, W, C, M, N, K, mode);                                                                     \
    }

TM_GEMV(1)
TM_GEMV(2)
TM_GEMV(4)
TM_GEMV(8)
