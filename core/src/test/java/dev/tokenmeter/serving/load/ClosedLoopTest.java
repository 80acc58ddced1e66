package dev.tokenmeter.serving.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.serving.Arrival;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A closed loop's requests: drawn up front, from the seed alone. */
class ClosedLoopTest {
    private static final LengthDistribution PROMPT = LengthDistribution.uniform(32, 2048);
    private static final LengthDistribution OUTPUT = LengthDistribution.uniform(1, 256);

    @Test
    void drawsEveryRequestUpFrontAtTimeZero() {
        List<Arrival> a = new ClosedLoop(8, 300, PROMPT, OUTPUT, 7L).arrivals();
        assertEquals(300, a.size());
        for (int i = 0; i < a.size(); i++) {
            Arrival r = a.get(i);
            assertEquals(i, r.id());
            assertEquals(0.0, r.atSeconds(), "issued by the driver, so no scheduled time");
            assertTrue(r.promptLength() >= 32 && r.promptLength() <= 2048, r.toString());
            assertTrue(r.outputLength() >= 1 && r.outputLength() <= 256, r.toString());
        }
    }

    @Test
    void theSeedAloneDecidesTheLengths() {
        List<Arrival> a = new ClosedLoop(8, 300, PROMPT, OUTPUT, 7L).arrivals();
        assertEquals(a, new ClosedLoop(8, 300, PROMPT, OUTPUT, 7L).arrivals());
        assertEquals(a, new ClosedLoop(1, 300, PROMPT, OUTPUT, 7L).arrivals(), "concurrency does not change them");
        assertNotEquals(a, new ClosedLoop(8, 300, PROMPT, OUTPUT, 8L).arrivals());
    }

    @Test
    void servesTheSameRequestsAsAnOpenLoopWithTheSameSeed() {
        List<Arrival> closed = new ClosedLoop(4, 100, PROMPT, OUTPUT, 11L).arrivals();
        List<Arrival> open = ArrivalProcess.poisson(3).generate(100, PROMPT, OUTPUT, 11L);
        for (int i = 0; i < 100; i++) {
            assertEquals(open.get(i).promptLength(), closed.get(i).promptLength(), "prompt " + i);
            assertEquals(open.get(i).outputLength(), closed.get(i).outputLength(), "output " + i);
        }
    }

    @Test
    void checksItsFields() {
        assertEquals("concurrency must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> new ClosedLoop(0, 10, PROMPT, OUTPUT, 1L)).getMessage());
        assertEquals("totalRequests must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> new ClosedLoop(1, 0, PROMPT, OUTPUT, 1L)).getMessage());
        assertEquals("prompt", assertThrows(NullPointerException.class,
                () -> new ClosedLoop(1, 1, null, OUTPUT, 1L)).getMessage());
        assertEquals("output", assertThrows(NullPointerException.class,
                () -> new ClosedLoop(1, 1, PROMPT, null, 1L)).getMessage());
    }
}
