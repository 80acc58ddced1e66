package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static dev.tokenmeter.cli.CliRun.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * {@code --threads} beyond the cores present is refused, naming the option, before any device is opened: 1000
 * threads on 2 cores once reported a 37.7 TFLOP/s ceiling and timings of the time slicing.
 */
class ThreadsOptionTest {
    private static final int CORES = Runtime.getRuntime().availableProcessors();
    private static final String REFUSED = "--threads must be at most the " + CORES + " core" + (CORES == 1 ? "" : "s")
            + " this machine has (0 = every core), got 1000: more workers than cores share them, and the timings"
            + " would measure the sharing";

    @Test
    void runRefusesMoreThreadsThanCoresBeforeMeasuring() {
        CliRun r = expect(Main.EXIT_USAGE, "run", "--model", "tiny", "--backend", "cpu", "--threads", "1000");
        assertEquals("", r.out());
        assertContains(r.err(), "error: " + REFUSED);
    }

    @Test
    void serveRefusesThemToo() {
        CliRun r = expect(Main.EXIT_USAGE, "serve", "--model", "tiny", "--backend", "cpu", "--threads", "1000",
                "--rate", "1", "--requests", "2");
        assertEquals("", r.out());
        assertContains(r.err(), "error: " + REFUSED);
    }
}
