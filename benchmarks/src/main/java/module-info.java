/**
 * The {@code tokenmeter} command line (picocli) and the JMH microbenchmarks. It uses core's exported API like any
 * library user, the CPU kernels through their export to this module (for JMH only), and the CUDA backend's checks
 * for {@code tokenmeter verify}; {@code tokenmeter server} serves the engine over HTTP with Jetty.
 */
module tokenmeter.cli {
    requires tokenmeter.core;
    requires tokenmeter.cuda;
    requires info.picocli;
    requires jmh.core;
    requires org.eclipse.jetty.server;

    // picocli sets the commands' annotated fields and mixins by reflection; JMH instantiates the benchmarks.
    opens dev.tokenmeter.cli to info.picocli;
    opens dev.tokenmeter.jmh to jmh.core;
}
