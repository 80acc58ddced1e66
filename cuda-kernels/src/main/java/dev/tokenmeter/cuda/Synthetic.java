package dev.tokenmeter.cuda;

import static dev.tokenmeter.cuda.CudaException.check;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;

import dev.tokenmeter.checkpoint.TensorKind;
import dev.tokenmeter.model.ModelConfig;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;

/**
 * Launchers of {@code synthetic.cu}: DESIGN's synthetic checkpoint (spec v1) and prompts, generated on the
 * device, bit-identical to core's {@link dev.tokenmeter.checkpoint.SyntheticCheckpoint} and
 * {@link dev.tokenmeter.checkpoint.SyntheticPrompts}. Launches go to the default stream and return at once; a
 * fault surfaces at the next synchronizing call.
 */
public final class Synthetic {
    /** Threads per block: a multiple of the warp, small enough for any SM to hold 8 blocks. */
    static final int THREADS = 256;
    /**
     * Blocks per SM: 8 × 256 = 2048 threads, a full SM on sm_80 and sm_90. The kernels loop over the rest
     * (grid-stride), so a larger grid would only add blocks that start, find nothing and end.
     */
    static final int BLOCKS_PER_SM = 8;

    private final CUfunction fill;
    private final CUfunction prompt;
    private final int maxBlocks;

    /**
     * @param module          the loaded {@link CudaKernels.Image#SYNTHETIC} image
     * @param multiprocessors the device's SM count, which sizes the grid
     */
    public Synthetic(CudaModule module, int multiprocessors) {
        if (multiprocessors < 1) {
            throw new IllegalArgumentException("multiprocessors must be >= 1, got " + multiprocessors);
        }
        this.fill = module.function(CudaKernels.Kernel.SYNTHETIC_FILL_BF16);
        this.prompt = module.function(CudaKernels.Kernel.SYNTHETIC_PROMPT_TOKENS);
        this.maxBlocks = multiprocessors * BLOCKS_PER_SM;
    }

    /** Blocks for {@code work} elements: one per 256 up to a full device. */
    static int blocks(long work, int maxBlocks) {
        return (int) Math.min((work + THREADS - 1) / THREADS, maxBlocks);
    }

    /**
     * Writes a whole tensor of the synthetic checkpoint, as bf16, to {@code out}: the spec's tensor id,
     * amplitude and offset come from {@link TensorKind}.
     */
    public void fillTensor(DeviceBuffer out, ModelConfig config, long seed, TensorKind kind, int layer) {
        checkTensor(config, kind, layer);
        fillBf16(out, seed, kind.id(layer), kind.elements(config), kind.amplitude(config), kind.offset());
    }

    /**
     * Writes a whole tensor of the synthetic checkpoint, as bf16, at {@code out} (which must have room for it): the
     * engine's arena regions, where fused matrices take several tensors one after another.
     */
    void fill(CUdeviceptr out, ModelConfig config, long seed, TensorKind kind, int layer) {
        checkTensor(config, kind, layer);
        fillBf16Raw(out, seed, kind.id(layer), kind.elements(config), kind.amplitude(config), kind.offset());
    }

    private static void checkTensor(ModelConfig config, TensorKind kind, int layer) {
        if (kind == TensorKind.LM_HEAD && config.tiedEmbeddings()) {
            throw new IllegalArgumentException("model " + config.name()
                    + " ties its LM head to the embedding: there is no tensor 3");
        }
        if (kind.perLayer() && (layer < 0 || layer >= config.layers())) {
            throw new IllegalArgumentException("layer must be in [0, " + config.layers() + "), got " + layer);
        }
    }

    /**
     * synthetic_fill_bf16: {@code out[i]} = bf16(float32((2u − 1)·amp) + offset) for i in [0, count), u from
     * (seed, tensorId, i) as the spec says.
     */
    public void fillBf16(DeviceBuffer out, long seed, long tensorId, long count, float amp, float offset) {
        if (count < 0 || count > out.bytes() / 2) {
            throw new IllegalArgumentException("count must be in [0, " + out.bytes() / 2 + "] (the buffer's bf16"
                    + " capacity), got " + count);
        }
        fillBf16Raw(out.pointer(), seed, tensorId, count, amp, offset);
    }

    /** synthetic_fill_bf16 at a raw device address with room for {@code count} elements. */
    void fillBf16Raw(CUdeviceptr out, long seed, long tensorId, long count, float amp, float offset) {
        if (count == 0) {
            return;
        }
        Pointer args = Pointer.to(Pointer.to(out), Pointer.to(new long[] {seed}), Pointer.to(new long[] {tensorId}),
                Pointer.to(new long[] {count}), Pointer.to(new float[] {amp}), Pointer.to(new float[] {offset}));
        check(cuLaunchKernel(fill, blocks(count, maxBlocks), 1, 1, THREADS, 1, 1, 0, null, args, null),
                "cuLaunchKernel(synthetic_fill_bf16)");
    }

    /** synthetic_prompt_tokens: {@code out[p]} = token p of request {@code request}'s prompt, p in [0, length). */
    public void promptTokens(DeviceBuffer out, long seed, int request, int length, int vocab) {
        if (vocab < 1) {
            throw new IllegalArgumentException("vocab must be >= 1, got " + vocab);
        }
        if (length < 0 || length > out.bytes() / 4) {
            throw new IllegalArgumentException("length must be in [0, " + out.bytes() / 4 + "] (the buffer's int32"
                    + " capacity), got " + length);
        }
        if (length == 0) {
            return;
        }
        Pointer args = Pointer.to(Pointer.to(out.pointer()), Pointer.to(new long[] {seed}),
                Pointer.to(new int[] {request}), Pointer.to(new int[] {length}), Pointer.to(new int[] {vocab}));
        check(cuLaunchKernel(prompt, blocks(length, maxBlocks), 1, 1, THREADS, 1, 1, 0, null, args, null),
                "cuLaunchKernel(synthetic_prompt_tokens)");
    }
}
