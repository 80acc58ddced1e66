package dev.tokenmeter.cli;

import dev.tokenmeter.backend.Availability;
import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.BackendProvider;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.cuda.KernelChecks;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmeter verify}: DESIGN's correctness ladder on this host's GPU. The device's synthetic weights bit for
 * bit against the CPU generator, every kernel against its CPU operation over a grid of shapes, and the whole
 * forward against the CPU engine; prints one line per check and a pass/fail table. Exit 0 when every check
 * passes, 1 when one fails or no usable GPU is found (nothing was verified then).
 */
@Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Checks the GPU path against the CPU reference: synthetic weights bit-exact, each CUDA kernel"
                + " within tolerance over a grid of shapes, and the whole forward's logits. Exit 0: all passed;"
                + " 1: a check failed or no usable GPU.")
final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        BackendProvider cuda = cudaProvider();
        if (cuda == null) {
            err.println("verify: the CUDA backend is not in this build; nothing to verify");
            return Main.EXIT_FAILED;
        }
        Availability a = cuda.availability();
        if (!a.usable()) {
            err.println("verify: no usable GPU, nothing verified: " + a.reason());
            return Main.EXIT_FAILED;
        }
        out.println("verify: " + a.reason());
        out.flush();
        List<KernelChecks.Check> checks;
        try (Backend b = cuda.open()) {
            checks = KernelChecks.runAll(b, c -> {
                out.println(c.line());
                out.flush();
            });
        }
        long failed = checks.stream().filter(c -> !c.passed()).count();
        out.println();
        out.println(String.format("%-22s %6s %6s", "check", "passed", "failed"));
        checks.stream().map(KernelChecks.Check::name).distinct().forEach(name -> {
            long p = checks.stream().filter(c -> c.name().equals(name) && c.passed()).count();
            long f = checks.stream().filter(c -> c.name().equals(name) && !c.passed()).count();
            out.println(String.format("%-22s %6d %6d", name, p, f));
        });
        out.println(failed == 0 ? "verify: all " + checks.size() + " checks passed"
                : "verify: " + failed + " of " + checks.size() + " checks FAILED");
        out.flush();
        return failed == 0 ? Main.EXIT_OK : Main.EXIT_FAILED;
    }

    /** The CUDA backend's provider, or null where this build has none. */
    static BackendProvider cudaProvider() {
        return Backends.providers().stream().filter(p -> p.name().equals("cuda")).findFirst().orElse(null);
    }
}
