/**
 * Small programs that use tokenmeter as a library user would: through core's exported packages only, which this
 * module's descriptor makes the compiler check. The CUDA backend is found at run time, as any backend is.
 */
module tokenmeter.examples {
    requires tokenmeter.core;
}
