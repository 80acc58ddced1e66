/**
 * The CUDA backend: kernels compiled by nvcc from {@code src/main/cuda}, loaded and launched through JCuda's
 * driver API, checked against the CPU reference backend. Not built yet: this module holds the place in the
 * build so that the command line and examples already depend on it; until it provides a
 * {@link dev.tokenmeter.backend.BackendProvider}, {@code auto} selects the CPU backend.
 */
package dev.tokenmeter.cuda;
