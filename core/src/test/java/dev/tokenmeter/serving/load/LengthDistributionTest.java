package dev.tokenmeter.serving.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Fixed and uniform lengths, and the option text that gives them. */
class LengthDistributionTest {
    private static final long SEED = 20240611L;

    @Test
    void fixedIsAlwaysItsLength() {
        LengthDistribution d = LengthDistribution.fixed(1024);
        SplittableRandom r = new SplittableRandom(SEED);
        for (int i = 0; i < 1000; i++) {
            assertEquals(1024, d.sample(r));
        }
        assertEquals(1024, d.max());
        assertEquals("1024", d.describe());
    }

    @Test
    void uniformHitsEveryValueOfItsRangeAndNothingElse() {
        LengthDistribution d = LengthDistribution.uniform(3, 7);
        SplittableRandom r = new SplittableRandom(SEED);
        int[] counts = new int[9];
        for (int i = 0; i < 10_000; i++) {
            int x = d.sample(r);
            assertTrue(x >= 3 && x <= 7, "sample " + x + " outside 3:7");
            counts[x]++;
        }
        for (int x = 3; x <= 7; x++) {
            // Each value has probability 1/5: 2000 expected, standard deviation sqrt(10000 · 0.2 · 0.8) = 40.
            assertTrue(Math.abs(counts[x] - 2000) < 5 * 40, x + " drawn " + counts[x] + " times of 10000");
        }
        assertEquals(7, d.max());
        assertEquals("3:7", d.describe());
    }

    @Test
    void uniformMeanIsTheMiddleOfTheRange() {
        int lo = 128;
        int hi = 1024;
        LengthDistribution d = LengthDistribution.uniform(lo, hi);
        SplittableRandom r = new SplittableRandom(SEED);
        int n = 20_000;
        double sum = 0;
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            int x = d.sample(r);
            sum += x;
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        // A discrete uniform over m values has variance (m² − 1) / 12; the mean's standard error is √(that / n).
        double m = hi - lo + 1;
        double standardError = Math.sqrt((m * m - 1) / 12 / n);
        double expected = (lo + hi) / 2.0;
        assertEquals(expected, sum / n, 5 * standardError, "mean of " + n + " uniform 128:1024 lengths");
        // With 20000 draws over 897 values, missing an end has probability (896/897)^20000 ≈ 2e-10.
        assertEquals(lo, min);
        assertEquals(hi, max);
    }

    @Test
    void parsesAFixedLengthOrARange() {
        assertEquals(LengthDistribution.fixed(1024), LengthDistribution.parse("--prompt-len", "1024"));
        assertEquals(LengthDistribution.uniform(128, 1024), LengthDistribution.parse("--prompt-len", "128:1024"));
        assertEquals(LengthDistribution.fixed(64), LengthDistribution.parse("--output-len", " 64 "));
        assertEquals(LengthDistribution.fixed(5), LengthDistribution.parse("--output-len", "5:5"), "a range of one");
        assertEquals(LengthDistribution.fixed(1 << 20), LengthDistribution.parse("--prompt-len", "1048576"));
        assertEquals(LengthDistribution.uniform(1, 1 << 20), LengthDistribution.parse("--prompt-len", "1:1048576"));
    }

    @Test
    void describeReadsBack() {
        for (LengthDistribution d : new LengthDistribution[] {
                LengthDistribution.fixed(7), LengthDistribution.uniform(1, 2), LengthDistribution.uniform(128, 4096)}) {
            assertEquals(d, LengthDistribution.parse("--prompt-len", d.describe()));
        }
    }

    @Test
    void theErrorNamesTheOptionTheFormatAndTheText() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LengthDistribution.parse("--prompt-len", "0:5"));
        assertEquals("--prompt-len must be N or LO:HI (tokens, 1 <= N <= 1048576, 1 <= LO <= HI <= 1048576),"
                + " got '0:5'", e.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> LengthDistribution.parse("--output-len", null));
        assertTrue(none.getMessage().startsWith("--output-len must be N or LO:HI"), none.getMessage());
        assertTrue(none.getMessage().endsWith("got nothing"), none.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "0:5", "5:3", "-1", "-1:4", "1048577", "1:1048577", "9999999999", "99999999:1",
            "abc", "", "  ", "1:2:3", "1.5", "+5", "5:", ":5", "1 : 5", "12k"})
    void rejects(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LengthDistribution.parse("--output-len", text));
        assertTrue(e.getMessage().startsWith("--output-len must be N or LO:HI (tokens, 1 <= N <= 1048576"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith(", got '" + text + "'"), e.getMessage());
    }

    @Test
    void factoriesCheckTheirRange() {
        assertEquals("length must be in [1, 1048576] tokens, got 0",
                assertThrows(IllegalArgumentException.class, () -> LengthDistribution.fixed(0)).getMessage());
        assertEquals("length must be in [1, 1048576] tokens, got 1048577",
                assertThrows(IllegalArgumentException.class, () -> LengthDistribution.fixed((1 << 20) + 1))
                        .getMessage());
        assertEquals("uniform lengths need 1 <= lo <= hi <= 1048576 tokens, got lo=5, hi=3",
                assertThrows(IllegalArgumentException.class, () -> LengthDistribution.uniform(5, 3)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> LengthDistribution.uniform(0, 3));
        assertThrows(IllegalArgumentException.class, () -> LengthDistribution.uniform(1, (1 << 20) + 1));
    }
}
