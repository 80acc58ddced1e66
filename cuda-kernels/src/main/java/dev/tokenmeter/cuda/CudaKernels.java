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
        SYNTHETIC("synthetic");

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
        SYNTHETIC_PROMPT_TOKENS(Image.SYNTHETIC, "synthetic_prompt_tokens");

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
