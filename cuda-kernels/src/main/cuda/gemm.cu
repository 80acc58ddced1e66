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

namespace tm_gemm {

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

}  // namespace tm_gemm

using namespace tm_gemm;

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

// ---- Hopper (sm_90a): wgmma, the warpgroup-wide asynchronous tensor-core product ----
//
// The same C = A.W^T, tiles fed by the same cp.async pipeline, but the product is issued by a warpgroup (4 warps)
// with both operands read straight from shared memory through matrix descriptors: the tiles' 128-byte rows are
// already laid out in the hardware's 128-byte swizzle (16-byte chunk c of row r at c ^ (r % 8)), with the
// stage base 1024-byte aligned. Machine code exists only in the sm_90a image; elsewhere the kernels trap, and the
// launcher never picks them below compute capability 9.0.

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define TM_WGMMA 1
#endif

namespace tm_gemm {

#ifdef TM_WGMMA
__device__ __forceinline__ uint64_t wg_desc(uint32_t smemAddr) {
    // start address, leading byte offset 16 (unused by swizzled K-major), stride byte offset 1024 (8 rows of 128
    // bytes), 128-byte swizzle.
    return (uint64_t) ((smemAddr & 0x3FFFF) >> 4) | ((uint64_t) (16 >> 4) << 16) | ((uint64_t) (1024 >> 4) << 32)
            | (1ull << 62);
}

__device__ __forceinline__ void wg_fence() {
    asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
}

__device__ __forceinline__ void wg_commit() {
    asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
}

template <int N>
__device__ __forceinline__ void wg_wait() {
    asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
}

__device__ __forceinline__ void fence_proxy_async() {
    asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
}

// d (64 x 256 per warpgroup, fp32) += A (64 x 16, bf16, K-major) . B (256 x 16, bf16, K-major)^T
__device__ __forceinline__ void wgmma_m64n256k16(float (&d)[128], uint64_t descA, uint64_t descB) {
    asm volatile(
        "{\n"
        ".reg .pred p;\n"
        "setp.ne.b32 p, 1, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63, %64, %65, %66, %67, %68, %69, %70, %71, %72, %73, %74, %75, %76, %77, %78, %79, %80, %81, %82, %83, %84, %85, %86, %87, %88, %89, %90, %91, %92, %93, %94, %95, %96, %97, %98, %99, %100, %101, %102, %103, %104, %105, %106, %107, %108, %109, %110, %111, %112, %113, %114, %115, %116, %117, %118, %119, %120, %121, %122, %123, %124, %125, %126, %127}, %128, %129, p, 1, 1, 0, 0;\n"
        "}\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63]), "+f"(d[64]), "+f"(d[65]), "+f"(d[66]), "+f"(d[67]), "+f"(d[68]), "+f"(d[69]), "+f"(d[70]), "+f"(d[71]), "+f"(d[72]), "+f"(d[73]), "+f"(d[74]), "+f"(d[75]), "+f"(d[76]), "+f"(d[77]), "+f"(d[78]), "+f"(d[79]), "+f"(d[80]), "+f"(d[81]), "+f"(d[82]), "+f"(d[83]), "+f"(d[84]), "+f"(d[85]), "+f"(d[86]), "+f"(d[87]), "+f"(d[88]), "+f"(d[89]), "+f"(d[90]), "+f"(d[91]), "+f"(d[92]), "+f"(d[93]), "+f"(d[94]), "+f"(d[95]), "+f"(d[96]), "+f"(d[97]), "+f"(d[98]), "+f"(d[99]), "+f"(d[100]), "+f"(d[101]), "+f"(d[102]), "+f"(d[103]), "+f"(d[104]), "+f"(d[105]), "+f"(d[106]), "+f"(d[107]), "+f"(d[108]), "+f"(d[109]), "+f"(d[110]), "+f"(d[111]), "+f"(d[112]), "+f"(d[113]), "+f"(d[114]), "+f"(d[115]), "+f"(d[116]), "+f"(d[117]), "+f"(d[118]), "+f"(d[119]), "+f"(d[120]), "+f"(d[121]), "+f"(d[122]), "+f"(d[123]), "+f"(d[124]), "+f"(d[125]), "+f"(d[126]), "+f"(d[127])
        : "l"(descA), "l"(descB));
}
#endif

// BM = 64 * WGS rows (one warpgroup per 64), BN = 256, BK = 64, STAGES deep.
template <int WGS, int STAGES>
__device__ __forceinline__ void gemm_wg(const bf16_t* __restrict__ A, const bf16_t* __restrict__ W,
        float* __restrict__ C, int M, int N, int K, int mode, int kTilesPerSplit) {
#ifdef TM_WGMMA
    constexpr int BM = 64 * WGS;
    constexpr int BN = 256;
    constexpr int BK = 64;
    constexpr int THREADS = 128 * WGS;
    constexpr int A_BYTES = BM * BK * 2;
    constexpr int STAGE_BYTES = (BM + BN) * BK * 2;
    extern __shared__ uint8_t smemRaw[];
    const uint32_t rawAddr = smem_u32(smemRaw);
    const uint32_t pad = (1024 - (rawAddr & 1023)) & 1023;
    uint8_t* smem = smemRaw + pad;
    const uint32_t base = rawAddr + pad;

    const int tid = threadIdx.x;
    const int wg = tid >> 7;
    const int warp = (tid >> 5) & 3;
    const int lane = tid & 31;
    // One grid dimension over the tiles, walked in groups of 8 row tiles: the blocks running at once share a few
    // tiles of A and of W, which stay in L2, instead of each row of blocks streaming all of W again.
    constexpr int GROUP = 8;
    const int mTiles = (M + BM - 1) / BM;
    const int nTiles = (N + BN - 1) / BN;
    const int pid = blockIdx.x;
    const int firstM = (pid / (GROUP * nTiles)) * GROUP;
    const int groupRows = min(mTiles - firstM, GROUP);
    const int inGroup = pid % (GROUP * nTiles);
    const int m0 = (firstM + inGroup % groupRows) * BM;
    const int n0 = (inGroup / groupRows) * BN;
    const int kTiles = K / BK;
    const int kt0 = blockIdx.z * kTilesPerSplit;
    const int nk = min(kTiles, kt0 + kTilesPerSplit) - kt0;
    if (nk <= 0) {
        return;
    }

    auto load_stage = [&](int stage, int kt) {
        const int kb = kt * BK;
        bf16_t* as = reinterpret_cast<bf16_t*>(smem + stage * STAGE_BYTES);
        bf16_t* ws = reinterpret_cast<bf16_t*>(smem + stage * STAGE_BYTES + A_BYTES);
#pragma unroll
        for (int i = tid; i < BM * 8; i += THREADS) {
            const int r = i >> 3;
            const int c = i & 7;
            const int gm = m0 + r;
            cp_async16(smem_u32(as + r * BK + ((c ^ (r & 7)) * 8)), A + (size_t) min(gm, M - 1) * K + kb + c * 8,
                    gm < M ? 16 : 0);
        }
#pragma unroll
        for (int i = tid; i < BN * 8; i += THREADS) {
            const int r = i >> 3;
            const int c = i & 7;
            const int gn = n0 + r;
            cp_async16(smem_u32(ws + r * BK + ((c ^ (r & 7)) * 8)), W + (size_t) min(gn, N - 1) * K + kb + c * 8,
                    gn < N ? 16 : 0);
        }
    };

    float d[128];
#pragma unroll
    for (int i = 0; i < 128; i++) {
        d[i] = 0.0f;
    }
#pragma unroll
    for (int s = 0; s < STAGES - 2; s++) {
        if (s < nk) {
            load_stage(s, kt0 + s);
        }
        cp_async_commit();
    }
    for (int i = 0; i < nk; i++) {
        cp_async_wait<STAGES - 3>();
        fence_proxy_async();
        __syncthreads();
        // Stage (i - 2) % STAGES was last read by wgmma group i - 2, which every warpgroup has waited for.
        const int pf = i + STAGES - 2;
        if (pf < nk) {
            load_stage(pf % STAGES, kt0 + pf);
        }
        cp_async_commit();
        const uint32_t stageAddr = base + (i % STAGES) * STAGE_BYTES;
        const uint64_t da = wg_desc(stageAddr + wg * 64 * BK * 2);
        const uint64_t db = wg_desc(stageAddr + A_BYTES);
        wg_fence();
#pragma unroll
        for (int kk = 0; kk < BK / 16; kk++) {
            // +32 bytes per 16 k: the descriptors' address field counts 16-byte units.
            wgmma_m64n256k16(d, da + 2 * kk, db + 2 * kk);
        }
        wg_commit();
        wg_wait<1>();
    }
    wg_wait<0>();
    cp_async_wait<0>();

    const int rowBase = m0 + wg * 64 + warp * 16 + (lane >> 2);
#pragma unroll
    for (int j = 0; j < BN / 8; j++) {
        const int col = n0 + j * 8 + (lane & 3) * 2;
#pragma unroll
        for (int h = 0; h < 2; h++) {
            const int row = rowBase + h * 8;
            if (row < M) {
                const size_t at = (size_t) row * N + col;
                const float v0 = d[4 * j + 2 * h];
                const float v1 = d[4 * j + 2 * h + 1];
                if (mode != 2 && col + 1 < N && (N & 1) == 0) {
                    // One 8-byte store per pair (N even: the pair is 8-byte aligned).
                    float2* p = reinterpret_cast<float2*>(C + at);
                    float2 o = mode == 1 ? *p : make_float2(0.0f, 0.0f);
                    *p = make_float2(o.x + v0, o.y + v1);
                } else {
                    if (col < N) {
                        store_out(C, at, v0, mode);
                    }
                    if (col + 1 < N) {
                        store_out(C, at + 1, v1, mode);
                    }
                }
            }
        }
    }
#else
    __trap();
#endif
}

}  // namespace tm_gemm

using namespace tm_gemm;

// Grid: (row tiles x column tiles, 1, splits of K).
// sm_90a: 128 x 256 tiles, 2 warpgroups, 4 stages of 64 (193 KiB of dynamic shared memory): prefill.
extern "C" __global__ void __launch_bounds__(256) gemm_wg_128x256(const bf16_t* __restrict__ A,
        const bf16_t* __restrict__ W, float* __restrict__ C, int M, int N, int K, int mode, int kTilesPerSplit) {
    gemm_wg<2, 4>(A, W, C, M, N, K, mode, kTilesPerSplit);
}

// sm_90a: 64 x 256 tiles, 1 warpgroup, 4 stages of 64 (161 KiB): decode batches of 9 to 64.
extern "C" __global__ void __launch_bounds__(128) gemm_wg_64x256(const bf16_t* __restrict__ A,
        const bf16_t* __restrict__ W, float* __restrict__ C, int M, int N, int K, int mode, int kTilesPerSplit) {
    gemm_wg<1, 4>(A, W, C, M, N, K, mode, kTilesPerSplit);
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
