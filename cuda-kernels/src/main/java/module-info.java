/**
 * tokenmeter's CUDA backend: its kernels' compiled images and the JCuda code that runs them. Nothing is exported:
 * the backend is found, like any backend, through the {@link dev.tokenmeter.backend.BackendProvider} service that
 * core uses, and {@code tokenmeter verify} reaches the GPU checks through the command line, which reads this module.
 */
module tokenmeter.cuda {
    requires tokenmeter.core;
    requires jcuda;
    requires org.slf4j;

    // The command line runs the GPU checks (tokenmeter verify, devices); nothing else sees this package.
    exports dev.tokenmeter.cuda to tokenmeter.cli;

    provides dev.tokenmeter.backend.BackendProvider with dev.tokenmeter.cuda.CudaBackendProvider;
}
