// Times variants of tokenmeter's product and decode-attention kernels on the shapes of llama-3.1-8b, with CUDA
// events (median of 20 after 3 warm-ups), and checks each variant against the first on the same inputs.
// Build and run on a GPU host (nvcc 13):
//   nvcc -O3 -std=c++17 -gencode arch=compute_90a,code=sm_90a -o /tmp/kb scripts/gpu/kernel_bench.cu && /tmp/kb
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <algorithm>
#include <cmath>
#include "../../cuda-kernels/src/main/cuda/gemm.cu"
#include "../../cuda-kernels/src/main/cuda/attention.cu"

#define CK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { printf("%s: %s\n", #x, cudaGetErrorString(e)); exit(1); } } while (0)

template <int BM, int BN, int BK, int WM, int WN, int ST>
__global__ void __launch_bounds__((BM / WM) * (BN / WN) * 32) tc(const bf16_t* A, const bf16_t* W, float* C, int M,
        int N, int K, int mode, int kps) {
    gemm_tc<BM, BN, BK, WM, WN, ST>(A, W, C, M, N, K, mode, kps);
}

template <int WGS>
__global__ void __launch_bounds__(128 * WGS) wgk(const bf16_t* A, const bf16_t* W, float* C, int M, int N, int K,
        int mode, int kps) {
    gemm_wg<WGS, 4>(A, W, C, M, N, K, mode, kps);
}

struct Variant {
    const char* name;
    void (*kernel)(const bf16_t*, const bf16_t*, float*, int, int, int, int, int);
    int bm, bn, bk, threads, stages;
};

#define V(BM, BN, BK, WM, WN, ST) {#BM "x" #BN "x" #BK " w" #WM "x" #WN " s" #ST, tc<BM, BN, BK, WM, WN, ST>, BM, BN, BK, (BM / WM) * (BN / WN) * 32, ST}

static int sms;

// Median time of `launch` in ms: 20 timed runs with CUDA events after 3 warm-ups.
template <typename F>
float median_ms(F launch) {
    cudaEvent_t a, b;
    cudaEventCreate(&a);
    cudaEventCreate(&b);
    std::vector<float> ms;
    for (int i = 0; i < 23; i++) {
        cudaEventRecord(a);
        launch();
        cudaEventRecord(b);
        CK(cudaEventSynchronize(b));
        float t;
        cudaEventElapsedTime(&t, a, b);
        if (i >= 3) ms.push_back(t);
    }
    CK(cudaGetLastError());
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

float run(const Variant& v, const bf16_t* A, const bf16_t* W, float* C, int M, int N, int K, bool time, int* splitsOut) {
    int smem = v.stages * (v.bm + v.bn) * v.bk * 2 + (v.name[0] == 'w' ? 1024 : 0);
    CK(cudaFuncSetAttribute(v.kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
    int kTiles = K / v.bk;
    int blocks = ((N + v.bn - 1) / v.bn) * ((M + v.bm - 1) / v.bm);
    int splits = 1;
    if (blocks < 2 * sms) {
        splits = std::max(1, std::min((2 * sms + blocks - 1) / blocks, std::min(8, kTiles / (256 / v.bk))));
    }
    int per = (kTiles + splits - 1) / splits;
    splits = (kTiles + per - 1) / per;
    *splitsOut = splits;
    dim3 grid((N + v.bn - 1) / v.bn, (M + v.bm - 1) / v.bm, splits);
    if (v.name[0] == 'w') {
        grid = dim3(((N + v.bn - 1) / v.bn) * ((M + v.bm - 1) / v.bm), 1, splits);
    }
    auto once = [&]() {
        if (splits > 1) {
            CK(cudaMemsetAsync(C, 0, (size_t) M * N * 4));
        }
        v.kernel<<<grid, v.threads, smem>>>(A, W, C, M, N, K, splits > 1 ? 2 : 0, per);
    };
    if (!time) {
        once();
        CK(cudaDeviceSynchronize());
        return 0;
    }
    return median_ms(once);
}

__global__ void fill(bf16_t* p, size_t n, uint32_t seed, float amp) {
    for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n; i += (size_t) gridDim.x * blockDim.x) {
        uint32_t x = (uint32_t) i * 2654435761u ^ seed;
        x ^= x >> 13; x *= 0x5bd1e995; x ^= x >> 15;
        p[i] = float_to_bf16(((x & 0xFFFFFF) / 16777216.0f * 2 - 1) * amp);
    }
}

int main() {
    CK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
    std::vector<Variant> vs = {
        {"wgmma 128x256x64 s4", wgk<2>, 128, 256, 64, 256, 4},
        {"wgmma 64x256x64 s4", wgk<1>, 64, 256, 64, 128, 4},
        V(128, 128, 32, 64, 32, 4),
        V(128, 128, 64, 64, 32, 3),
        V(128, 256, 64, 64, 64, 3),
        V(128, 128, 64, 64, 64, 3),
        V(64, 64, 32, 64, 16, 4),
        V(64, 64, 64, 64, 16, 4),
        V(64, 256, 64, 64, 64, 3),
    };
    int shapes[][3] = {{8192, 8192, 8192}, {8192, 6144, 4096}, {8192, 4096, 4096}, {8192, 28672, 4096},
        {8192, 4096, 14336}, {64, 6144, 4096}, {64, 4096, 4096}, {64, 28672, 4096}, {64, 4096, 14336},
        {64, 128256, 4096}, {32, 6144, 4096}, {32, 28672, 4096}, {16, 28672, 4096}, {8, 6144, 4096},
        {8, 28672, 4096}, {8, 4096, 14336}, {4, 28672, 4096}, {2, 28672, 4096}, {1, 28672, 4096}};
    size_t maxA = 8192ull * 14336, maxW = 128256ull * 4096, maxC = 8192ull * 28672;
    bf16_t *A, *W;
    float *C, *R;
    CK(cudaMalloc(&A, maxA * 2));
    CK(cudaMalloc(&W, maxW * 2));
    CK(cudaMalloc(&C, maxC * 4));
    CK(cudaMalloc(&R, maxC * 4));
    fill<<<1024, 256>>>(A, maxA, 1, 1.0f);
    fill<<<1024, 256>>>(W, maxW, 2, 0.03f);
    CK(cudaDeviceSynchronize());
    printf("%-24s %-22s %6s %9s %9s %9s\n", "shape MxNxK", "variant", "splits", "ms", "TFLOP/s", "W GB/s");
    for (auto& s : shapes) {
        int M = s[0], N = s[1], K = s[2];
        bool skinny = M <= 128;
        if (M <= 8) {
            auto g = M == 1 ? gemv_bf16_1 : M == 2 ? gemv_bf16_2 : M <= 4 ? gemv_bf16_4 : gemv_bf16_8;
            float ms = median_ms([&] { g<<<(N + 3) / 4, 256>>>(A, W, C, M, N, K, 0); });
            printf("%5dx%5dx%5d %-24s %6d %9.4f %9.1f %9.0f\n", M, N, K, "gemv", 1, ms,
                    2.0 * M * N * (double) K / (ms / 1e3) / 1e12, (double) N * K * 2 / (ms / 1e3) / 1e9);
        }
        int sp;
        // reference: the first variant of the kind
        const Variant& ref = skinny ? vs[6] : vs[2];
        run(ref, A, W, R, M, N, K, false, &sp);
        std::vector<float> r((size_t) M * N), c((size_t) M * N);
        CK(cudaMemcpy(r.data(), R, r.size() * 4, cudaMemcpyDeviceToHost));
        for (auto& v : vs) {
            if (skinny != (v.bm == 64)) continue;
            run(v, A, W, C, M, N, K, false, &sp);
            CK(cudaMemcpy(c.data(), C, c.size() * 4, cudaMemcpyDeviceToHost));
            double worst = 0;
            for (size_t i = 0; i < c.size(); i += 7) worst = std::max(worst, (double) fabsf(c[i] - r[i]) / (fabsf(r[i]) + 1e-2));
            float ms = run(v, A, W, C, M, N, K, true, &sp);
            double fl = 2.0 * M * N * (double) K / (ms / 1e3) / 1e12;
            double gb = (double) N * K * 2 / (ms / 1e3) / 1e9;
            printf("%5dx%5dx%5d %-24s %6d %9.4f %9.1f %9.0f%s\n", M, N, K, v.name, sp, ms, fl, gb,
                    worst > 1e-3 ? "  MISMATCH" : "");
        }
    }
    // Decode attention, batch 64 / 32 / 1, context 1088 of 1152, 32/8 heads of 128.
    int heads = 32, kvh = 8, D = 128, maxCtx = 1152;
    for (int B : {1, 8, 32, 64}) {
        size_t cache = (size_t) B * maxCtx * kvh * D;
        bf16_t *q, *kc, *vc, *o;
        int *slots, *ctx;
        float *pO, *pML;
        CK(cudaMalloc(&q, (size_t) B * heads * D * 2));
        CK(cudaMalloc(&kc, cache * 2));
        CK(cudaMalloc(&vc, cache * 2));
        CK(cudaMalloc(&o, (size_t) B * heads * D * 2));
        fill<<<1024, 256>>>(q, (size_t) B * heads * D, 3, 1.0f);
        fill<<<1024, 256>>>(kc, cache, 4, 1.0f);
        fill<<<1024, 256>>>(vc, cache, 5, 1.0f);
        std::vector<int> hs(B), hc(B, 1088);
        for (int i = 0; i < B; i++) hs[i] = i;
        CK(cudaMalloc(&slots, B * 4));
        CK(cudaMalloc(&ctx, B * 4));
        cudaMemcpy(slots, hs.data(), B * 4, cudaMemcpyHostToDevice);
        cudaMemcpy(ctx, hc.data(), B * 4, cudaMemcpyHostToDevice);
        // The paged cache as the offline engine uses it: each slot's own run of 16-position blocks.
        const int blockSize = 16, perSeq = maxCtx / blockSize;
        std::vector<int> ht((size_t) B * perSeq);
        for (size_t i = 0; i < ht.size(); i++) ht[i] = (int) i;
        int* tables;
        CK(cudaMalloc(&tables, ht.size() * 4));
        cudaMemcpy(tables, ht.data(), ht.size() * 4, cudaMemcpyHostToDevice);
        for (int splits : {1, 2, 6, 18}) {
            int size = std::max(64, ((maxCtx + splits - 1) / splits + 63) / 64 * 64);
            int sp = (maxCtx + size - 1) / size;
            CK(cudaMalloc(&pO, (size_t) B * heads * sp * D * 4));
            CK(cudaMalloc(&pML, (size_t) B * heads * sp * 2 * 4));
            float ms = median_ms([&] {
                attn_decode_128<<<dim3(sp, kvh, B), 128>>>(q, kc, vc, slots, ctx, pO, pML, heads, kvh, tables,
                        blockSize, perSeq, size, 0.088f);
                attn_combine<<<dim3(heads, B), 128>>>(pO, pML, o, heads, D, sp);
            });
            double bytes = (double) B * 1088 * kvh * D * 2 * 2;
            printf("attn decode B=%2d ctx 1088 splits %2d (size %4d): %8.4f ms  %7.0f GB/s\n", B, sp, size, ms,
                    bytes / (ms / 1e3) / 1e9);
            cudaFree(pO);
            cudaFree(pML);
        }
        cudaFree(q); cudaFree(kc); cudaFree(vc); cudaFree(o); cudaFree(slots); cudaFree(ctx); cudaFree(tables);
    }
    return 0;
}
