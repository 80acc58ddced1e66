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
}
