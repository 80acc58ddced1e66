package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.tokenmeter.backend.BackendProvider;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.cuda.CudaProbe;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code tokenmeter verify} where no usable GPU is: nothing is verified, and that is a failure. */
class VerifyCommandTest {
    @Test
    void withoutAUsableGpuNothingIsVerifiedAndTheExitCodeIs1() {
        assumeFalse(CudaProbe.result().ready(), "a usable GPU is here: verify runs the checks");
        BackendProvider cuda = Backends.providers().stream().filter(p -> p.name().equals("cuda")).findFirst()
                .orElseThrow();
        CliRun r = cli("verify");
        assertEquals(1, r.exitCode(), () -> "stdout:\n" + r.out() + "\nstderr:\n" + r.err());
        assertEquals("", r.out());
        List<String> lines = r.err().lines().toList();
        assertEquals(List.of("verify: no usable GPU, nothing verified: " + cuda.availability().reason()), lines);
    }

    @Test
    void helpNamesTheExitCodes() {
        CliRun r = cli("verify", "--help");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("Usage: tokenmeter verify"), r.out());
        assertTrue(r.out().replaceAll("\\s+", " ").contains("Exit 0: all passed; 1: a check failed or no usable GPU"),
                r.out());
    }
}
