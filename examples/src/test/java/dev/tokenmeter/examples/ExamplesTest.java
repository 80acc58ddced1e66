package dev.tokenmeter.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The examples run on the CPU path and print what they promise. */
class ExamplesTest {
    private static String capture(Runnable r) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void costPerQueryPrintsACost() {
        String out = capture(() -> CostPerQuery.main(new String[] {"tiny", "2"}));
        assertTrue(out.matches("(?s)tiny on .*, batch 2: [0-9.]+ output tok/s, \\$[0-9.]+(e[-+][0-9]+)? per query, .*"),
                out);
    }

    @Test
    void twoBackendsPrintsBothOrSaysWhy() {
        String out = capture(() -> TwoBackends.main(new String[] {"tiny", "cpu", "cuda"}));
        assertTrue(out.contains("cpu ") && out.contains("batch  1") && out.contains("batch  4"), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("cuda")), out);
    }

    @Test
    void servingCapacitySizesAFleetFromTheRatesThatMetTheSlos() {
        String out = capture(() -> ServingCapacity.main(new String[] {"tiny", "100", "20,40", "16"}));
        assertTrue(out.contains("tiny on ") && out.contains("rate 20.0: ") && out.contains("rate 40.0: "), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("for 100 req/s: [0-9]+ devices at [0-9.]+ req/s each \\(rate"
                + " [0-9.]+\\), expected utilization [0-9]+%.*")
                || l.equals("no measured rate meets the SLOs: no fleet can be sized from this run")), out);
    }
}
