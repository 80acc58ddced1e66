/**
 * The CUDA backend: kernels compiled by nvcc from {@code src/main/cuda} into committed fatbin images
 * ({@link dev.tokenmeter.cuda.CudaKernels}), loaded and launched through JCuda's driver API, checked against the CPU
 * reference backend.
 *
 * <p>{@link dev.tokenmeter.cuda.CudaProbe} detects the GPU once per JVM, never throwing;
 * {@link dev.tokenmeter.cuda.CudaBackendProvider} says why it cannot run where it cannot (no driver, no device, an
 * old driver or GPU). {@link dev.tokenmeter.cuda.CudaBackend} owns the context, the stream and the loaded images;
 * {@link dev.tokenmeter.cuda.CudaEngine} runs the decoder from an arena sized up front, decode steps as CUDA graphs;
 * {@link dev.tokenmeter.cuda.KernelChecks} is the correctness ladder that {@code tokenmeter verify} and the GPU tests
 * run.
 *
 * <p>No class here that names a JCuda type is loaded before a provider's availability is asked, so a CPU-only run
 * never loads a native library.
 */
package dev.tokenmeter.cuda;
