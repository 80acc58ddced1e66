/**
 * tokenmeter's core: models, the synthetic checkpoint, the backend SPI and the CPU reference backend, the engine,
 * the scenarios, measurement, metrics, cost, the GPU's telemetry through NVML, results and their reports,
 * {@code compare} and {@code plan}.
 *
 * <p>What a library user may depend on is exported: the front door ({@code dev.tokenmeter.Benchmark}), the
 * scenario model ({@code result}: results, specs, listeners), each scenario ({@code scenario.offline},
 * {@code scenario.serving}, {@code scenario.fleet}; the fleet's rank files and checks in {@code fleet}), the
 * renderers, comparisons and capacity plans, and the layers below them that their
 * signatures use. The CPU backend's kernels are internal: their package is exported only to tokenmeter's own CUDA
 * backend (which checks against the CPU engine) and command line (whose JMH benchmarks time the kernels); the CPU
 * backend itself is found, like any backend, through the {@link dev.tokenmeter.backend.BackendProvider} service.
 */
module tokenmeter.core {
    requires transitive com.fasterxml.jackson.databind;
    requires commons.math3;
    requires java.net.http;
    requires org.slf4j;
    // NVML, the NVIDIA driver's library, is read through JNA for device telemetry (where a driver is present).
    requires com.sun.jna;
    // The CPU kernels use the Vector API where the JVM has it, and fall back to scalar code where it does not.
    requires static jdk.incubator.vector;

    exports dev.tokenmeter;
    exports dev.tokenmeter.backend;
    exports dev.tokenmeter.checkpoint;
    exports dev.tokenmeter.compare;
    exports dev.tokenmeter.cost;
    exports dev.tokenmeter.endpoint;
    exports dev.tokenmeter.engine;
    exports dev.tokenmeter.fleet;
    exports dev.tokenmeter.measure;
    exports dev.tokenmeter.metrics;
    exports dev.tokenmeter.model;
    exports dev.tokenmeter.plan;
    exports dev.tokenmeter.report;
    exports dev.tokenmeter.result;
    exports dev.tokenmeter.scenario;
    exports dev.tokenmeter.scenario.fleet;
    exports dev.tokenmeter.scenario.offline;
    exports dev.tokenmeter.scenario.serving;
    exports dev.tokenmeter.serving;
    exports dev.tokenmeter.serving.load;
    exports dev.tokenmeter.serving.metrics;
    exports dev.tokenmeter.telemetry;
    // (Compiled alone, core does not see those two modules yet: javac warns that it does not find them.)
    exports dev.tokenmeter.cpu to tokenmeter.cuda, tokenmeter.cli;

    // Results, specs and plans are read and written by Jackson, which reflects on their records.
    opens dev.tokenmeter.backend to com.fasterxml.jackson.databind;
    opens dev.tokenmeter.cost to com.fasterxml.jackson.databind;
    opens dev.tokenmeter.endpoint to com.fasterxml.jackson.databind;
    opens dev.tokenmeter.fleet to com.fasterxml.jackson.databind;
    opens dev.tokenmeter.measure to com.fasterxml.jackson.databind;
    opens dev.tokenmeter.metrics to com.fasterxml.jackson.databind;
    opens dev.tokenmeter.model to com.fasterxml.jackson.databind;
    opens dev.tokenmeter.plan to com.fasterxml.jackson.databind;
    opens dev.tokenmeter.result to com.fasterxml.jackson.databind;
    opens dev.tokenmeter.scenario.fleet to com.fasterxml.jackson.databind;
    opens dev.tokenmeter.scenario.offline to com.fasterxml.jackson.databind;
    opens dev.tokenmeter.scenario.serving to com.fasterxml.jackson.databind;
    opens dev.tokenmeter.serving to com.fasterxml.jackson.databind;
    opens dev.tokenmeter.serving.load to com.fasterxml.jackson.databind;
    opens dev.tokenmeter.serving.metrics to com.fasterxml.jackson.databind;
    opens dev.tokenmeter.telemetry to com.fasterxml.jackson.databind;

    uses dev.tokenmeter.backend.BackendProvider;
    provides dev.tokenmeter.backend.BackendProvider with dev.tokenmeter.cpu.CpuBackendProvider;
}
