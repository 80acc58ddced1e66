// DESIGN's synthetic checkpoint, spec v1, on the device: a model's weights are built where they live, with
// no host transfer, bit-identical to core's SyntheticCheckpoint and SyntheticPrompts (the oracle).
//
// Bit-exactness with Java needs two things that nvcc would not give by default:
//  - no contraction of a*b+c into one FMA (one rounding instead of Java's two): every float operation is an
//    explicit round-to-nearest intrinsic (__fmul_rn, __fsub_rn, __fadd_rn), which nvcc never fuses;
//  - the float32 -> bf16 rounding done on the bits exactly as Bf16.fromFloat does it, NaN included, rather
//    than through cuda_bf16.h, whose NaN payload is not specified to match.
// Denormals are kept (nvcc's default -ftz=false), as Java keeps them.

#include <stdint.h>

// splitmix64's finalizer: unsigned 64-bit, wrapping.
__device__ __forceinline__ uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    uint64_t z = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Bf16.fromFloat: round to nearest even; a NaN stays a quiet NaN with its upper payload bits.
__device__ __forceinline__ uint16_t bf16_from_float(float f) {
    uint32_t bits = __float_as_uint(f);
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) {
        return (uint16_t) ((bits >> 16) | 0x0040u);
    }
    uint32_t rounding = 0x7FFFu + ((bits >> 16) & 1u);
    return (uint16_t) ((bits + rounding) >> 16);
}

// float32((2u - 1) * amp) + offset with u = (splitmix64(key + i) >> 40) * 2^-24: u has 24 bits, so the
// conversion and the scaling are exact; 2u and 2u - 1 are exact too; the product and the sum round once each.
__device__ __forceinline__ float synthetic_value(uint64_t key, uint64_t i, float amp, float offset) {
    uint32_t bits24 = (uint32_t) (splitmix64(key + i) >> 40);
    float u = __fmul_rn(__uint2float_rn(bits24), 0x1.0p-24f);
    float centred = __fsub_rn(__fmul_rn(2.0f, u), 1.0f);
    return __fadd_rn(__fmul_rn(centred, amp), offset);
}

// Fills out[0, count) with tensor tensorId's elements (row-major index i) as bf16 bits. Any grid: a grid-stride
// loop covers count; the launcher sizes the grid to fill the device once.
extern "C" __global__ void synthetic_fill_bf16(uint16_t* __restrict__ out, uint64_t seed, uint64_t tensorId,
        uint64_t count, float amp, float offset) {
    const uint64_t key = splitmix64(splitmix64(seed) ^ tensorId);
    const uint64_t stride = (uint64_t) gridDim.x * blockDim.x;
    for (uint64_t i = (uint64_t) blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
        out[i] = bf16_from_float(synthetic_value(key, i, amp, offset));
    }
}

// out[p] = token p of request `request`'s prompt, p in [0, length):
// (splitmix64(splitmix64(seed ^ 0x70C3E5) ^ ((request << 32) | p)) >> 33) mod vocab, request taken as 32 unsigned
// bits as Java's ((long) request << 32) leaves them. vocab > 0 (checked by the launcher).
extern "C" __global__ void synthetic_prompt_tokens(int32_t* __restrict__ out, uint64_t seed, int request,
        int length, int vocab) {
    const uint64_t base = splitmix64(seed ^ 0x70C3E5ull);
    const uint64_t high = (uint64_t) (uint32_t) request << 32;
    // 64-bit position: p + stride must not overflow when length is near INT_MAX.
    const int64_t stride = (int64_t) gridDim.x * blockDim.x;
    for (int64_t p = (int64_t) blockIdx.x * blockDim.x + threadIdx.x; p < length; p += stride) {
        uint64_t x = splitmix64(base ^ (high | (uint32_t) p));
        out[p] = (int32_t) ((x >> 33) % (uint64_t) vocab);
    }
}
