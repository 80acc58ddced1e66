package dev.tokenmeter.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The compiled kernel images (one per {@code src/main/cuda/<name>.cu}, built by {@code build.sh} into
 * {@code dev/tokenmeter/cuda/kernels/<name>.fatbin}) and the entry points each holds. Launchers name kernels by
 * these constants, never by strings assembled at run time; KernelImagesTest checks both lists against the
 * sources and the images. Plain Java: nothing here touches JCuda.
 */
public final class CudaKernels {
    /** The class-path folder of the images and their build records. */
    public static final String RESOURCE_FOLDER = "/dev/tokenmeter/cuda/kernels/";

    private CudaKernels() {
    }

    /** One fatbin: machine code for sm_80, sm_89 and sm_90a, and compute_80 PTX for newer GPUs. */
    public enum Image {
        /** synthetic.cu: DESIGN's synthetic checkpoint (spec v1) and prompts, generated on the device. */
        SYNTHETIC("synthetic"),
        /** embed.cu: the embedding gather that starts the residual stream. */
        EMBED("embed"),
        /** rmsnorm.cu: RMSNorm of the fp32 residual stream into bf16. */
        RMSNORM("rmsnorm"),
        /** gemm.cu: the products, on tensor cores (prefill) and as bandwidth-bound GEMVs (decode). */
        GEMM("gemm"),
        /** rope.cu: RoPE on q and k, and the KV-cache append. */
        ROPE("rope"),
        /** attention.cu: causal grouped-query attention, prefill (tiled, tensor cores) and decode (split). */
        ATTENTION("attention"),
        /** swiglu.cu: silu(gate) * up. */
        SWIGLU("swiglu"),
        /** argmax.cu: greedy sampling. */
        ARGMAX("argmax");

        private final String baseName;

        Image(String baseName) {
            this.baseName = baseName;
        }

        /** The .cu file's name without extension, which names every file built from it. */
        public String baseName() {
            return baseName;
        }

        /** Class-path location of the fatbin. */
        public String resource() {
            return RESOURCE_FOLDER + baseName + ".fatbin";
        }

        /** The fatbin's bytes, as cuModuleLoadData takes them. */
        public byte[] bytes() {
            try (InputStream in = CudaKernels.class.getResourceAsStream(resource())) {
                if (in == null) {
                    throw new IllegalStateException("kernel image " + resource() + " is missing from the class path;"
                            + " run cuda-kernels/src/main/cuda/build.sh");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read kernel image " + resource(), e);
            }
        }

        /** The entry points this image holds. */
        public List<Kernel> kernels() {
            List<Kernel> list = new ArrayList<>();
            for (Kernel k : Kernel.values()) {
                if (k.image() == this) {
                    list.add(k);
                }
            }
            return List.copyOf(list);
        }
    }

    /** One {@code extern "C"} entry point, with the image that holds it. */
    public enum Kernel {
        /** (uint16_t* out, uint64_t seed, uint64_t tensorId, uint64_t count, float amp, float offset). */
        SYNTHETIC_FILL_BF16(Image.SYNTHETIC, "synthetic_fill_bf16"),
        /** (int32_t* out, uint64_t seed, int request, int length, int vocab). */
        SYNTHETIC_PROMPT_TOKENS(Image.SYNTHETIC, "synthetic_prompt_tokens"),
        /** (const int32_t* tokens, const bf16* table, float* x, int hidden); grid = tokens. */
        EMBED_GATHER(Image.EMBED, "embed_gather"),
        /** (const float* x, const int32_t* rows or null, const bf16* gain, bf16* out, int hidden, float eps). */
        RMSNORM_BF16(Image.RMSNORM, "rmsnorm_bf16"),
        /** (A, W, float* C, int M, int N, int K, int mode, int kTilesPerSplit); 128 threads, 96 KiB dynamic smem. */
        GEMM_TC_128X128(Image.GEMM, "gemm_tc_128x128"),
        /** As GEMM_TC_128X128 with 64 x 64 tiles; 128 threads, 64 KiB dynamic smem. */
        GEMM_TC_64X64(Image.GEMM, "gemm_tc_64x64"),
        /** As GEMM_TC_128X128 with 64 x 256 tiles; 128 threads, 120 KiB dynamic smem. */
        GEMM_TC_64X256(Image.GEMM, "gemm_tc_64x256"),
        /** sm_90a only (traps elsewhere): wgmma, 128 x 256 tiles, 256 threads, 193 KiB; grid (tiles, 1, splits). */
        GEMM_WG_128X256(Image.GEMM, "gemm_wg_128x256"),
        /** sm_90a only: wgmma, 64 x 256 tiles, 128 threads, 161 KiB; grid (tiles, 1, splits). */
        GEMM_WG_64X256(Image.GEMM, "gemm_wg_64x256"),
        /** (A, W, float* C, int M, int N, int K, int mode), M = 1; 256 threads, 4 rows per block. */
        GEMV_BF16_1(Image.GEMM, "gemv_bf16_1"),
        /** As GEMV_BF16_1 for {@code M <= 2}. */
        GEMV_BF16_2(Image.GEMM, "gemv_bf16_2"),
        /** As GEMV_BF16_1 for {@code M <= 4}. */
        GEMV_BF16_4(Image.GEMM, "gemv_bf16_4"),
        /** As GEMV_BF16_1 for {@code M <= 8}. */
        GEMV_BF16_8(Image.GEMM, "gemv_bf16_8"),
        /** (qkv, positions, slots, cos, sin, bf16* q, bf16* kCache, bf16* vCache, heads, kvHeads, headDim, maxContext). */
        ROPE_KV_APPEND(Image.ROPE, "rope_kv_append"),
        /** (q, kCache, vCache, slots, ctxLens, partO, partML, heads, kvHeads, maxContext, splitSize, scale). */
        ATTN_DECODE_32(Image.ATTENTION, "attn_decode_32"),
        /** As ATTN_DECODE_32 for headDim 64. */
        ATTN_DECODE_64(Image.ATTENTION, "attn_decode_64"),
        /** As ATTN_DECODE_32 for headDim 128. */
        ATTN_DECODE_128(Image.ATTENTION, "attn_decode_128"),
        /** (partO, partML, bf16* out, heads, headDim, splits); grid (heads, batch). */
        ATTN_COMBINE(Image.ATTENTION, "attn_combine"),
        /** (q, kCache, vCache, seqStart, seqLen, seqPos, seqSlot, out, heads, kvHeads, maxContext, scale). */
        ATTN_PREFILL_32(Image.ATTENTION, "attn_prefill_32"),
        /** As ATTN_PREFILL_32 for headDim 64. */
        ATTN_PREFILL_64(Image.ATTENTION, "attn_prefill_64"),
        /** As ATTN_PREFILL_32 for headDim 128. */
        ATTN_PREFILL_128(Image.ATTENTION, "attn_prefill_128"),
        /** (const float* gu, bf16* act, int tokens, int ffn). */
        SILU_MUL(Image.SWIGLU, "silu_mul"),
        /** (const float* logits, int32_t* out, int vocab); grid = rows. */
        ARGMAX_ROWS(Image.ARGMAX, "argmax_rows");

        private final Image image;
        private final String symbol;

        Kernel(Image image, String symbol) {
            this.image = image;
            this.symbol = symbol;
        }

        public Image image() {
            return image;
        }

        /** The unmangled name cuModuleGetFunction looks up. */
        public String symbol() {
            return symbol;
        }
    }
}
