package dev.tokenmeter.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.InvalidFieldException;
import dev.tokenmeter.backend.DeviceCeilings;
import org.junit.jupiter.api.Test;

/**
 * The CPU's ceilings are measured in repetitions whose spread is recorded, and the CPU backend refuses more threads
 * than the cores present (1000 threads on 2 cores once reported a 37.7 TFLOP/s ceiling).
 */
class CpuCeilingsTest {
    @Test
    void theBestRepetitionIsKeptAndTheMediansShortfallIsTheSpread() {
        // A 2-core host's bandwidth while another benchmark came and went: 26 to 72 GB/s.
        CpuCeilings.Repetitions swinging = new CpuCeilings.Repetitions(new double[] {26, 72, 30, 70, 28, 31, 27, 69,
            33});
        assertEquals(72, swinging.best(), 0);
        assertEquals(1 - 31.0 / 72, swinging.spread(), 1e-12);
        CpuCeilings.Repetitions steady = new CpuCeilings.Repetitions(new double[] {70, 72, 71, 69});
        assertEquals(1 - 70.5 / 72, steady.spread(), 1e-12, "an even count's median is the mean of the middle two");
        assertEquals(0.0, new CpuCeilings.Repetitions(new double[] {5}).spread(), 0);
    }

    @Test
    void measuredCeilingsRecordTheirRepetitionsAndSpread() {
        int cores = Runtime.getRuntime().availableProcessors();
        try (CpuBackend cpu = new CpuBackend(cores)) {
            assertEquals(cores, cpu.device().computeUnits(), "as many threads as cores are taken");
            DeviceCeilings c = cpu.device().measured();
            assertEquals(CpuCeilings.REPETITIONS, c.repetitions());
            assertTrue(c.memoryBandwidthSpread() >= 0 && c.memoryBandwidthSpread() < 1, c.toString());
            assertTrue(c.flopsSpread() >= 0 && c.flopsSpread() < 1, c.toString());
            assertTrue(c.source().startsWith("measured: best of " + CpuCeilings.REPETITIONS + " repetitions of "
                    + CpuCeilings.REPETITION_MILLIS + " ms"), c.source());
        }
    }

    @Test
    void moreThreadsThanCoresAreRefusedNamingTheField() {
        int cores = Runtime.getRuntime().availableProcessors();
        InvalidFieldException e = assertThrows(InvalidFieldException.class, () -> new CpuBackend(cores + 1));
        assertEquals("threads", e.field());
        assertEquals("threads must be at most the " + cores + " core" + (cores == 1 ? "" : "s") + " this machine has"
                + " (0 = every core), got " + (cores + 1) + ": more workers than cores share them, and the timings"
                + " would measure the sharing", e.getMessage());
        assertThrows(InvalidFieldException.class, () -> new CpuBackend(-1));
    }
}
