package dev.tokenmeter.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RegressionGateTest {
    @Test
    void thresholdsParseAsPercentagesOrFractions() {
        for (String t : new String[] {"3%", "0.03", "3", " 3 % ", "3.0"}) {
            assertEquals(0.03, RegressionGate.parse(t).threshold(), 1e-15, t);
        }
        assertEquals(0.005, RegressionGate.parse("0.5%").threshold(), 1e-15);
        assertEquals(0.5, RegressionGate.parse("0.5").threshold(), 1e-15, "below 1 without % is a fraction");
        assertEquals(0.0, RegressionGate.parse("0").threshold());
        assertEquals(1.5, RegressionGate.parse("150%").threshold(), 1e-15);
        assertEquals("3%", RegressionGate.parse("3%").describe());
        assertEquals("0.5%", RegressionGate.parse("0.5%").describe());
        assertEquals("12.5%", RegressionGate.parse("12.5").describe());
    }

    @Test
    void badThresholdsAreRefusedWithTheText() {
        for (String t : new String[] {"abc", "-3%", "", "%", "NaN", "Infinity"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RegressionGate.parse(t));
            assertTrue(e.getMessage().contains("'" + t + "'"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new RegressionGate(-0.01));
    }
}
