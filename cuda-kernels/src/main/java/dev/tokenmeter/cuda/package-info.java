/**
 * The CUDA backend: kernels compiled by nvcc from {@code src/main/cuda} into committed fatbin images
 * ({@link dev.tokenmeter.cuda.CudaKernels}), loaded and launched through JCuda's driver API, checked against the CPU
 * reference backend.
 *
 * <p>What exists so far: detection ({@link dev.tokenmeter.cuda.CudaProbe}, once per JVM, never throwing), the
 * {@link dev.tokenmeter.backend.BackendProvider} ({@link dev.tokenmeter.cuda.CudaBackendProvider}, which says why it
 * cannot run: no driver, no device, an old driver or GPU, or no engine yet), owners of the native handles
 * ({@link dev.tokenmeter.cuda.CudaContext}, {@link dev.tokenmeter.cuda.CudaModule},
 * {@link dev.tokenmeter.cuda.DeviceBuffer}) and the first kernel family with its launcher
 * ({@link dev.tokenmeter.cuda.Synthetic}). Until the engine lands, {@code auto} selects the CPU backend.
 *
 * <p>No class here that names a JCuda type is loaded before a provider's availability is asked, so a CPU-only run
 * never loads a native library.
 */
package dev.tokenmeter.cuda;
