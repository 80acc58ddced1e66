package dev.tokenmeter.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link HostSnapshot} parses recorded {@code /proc} and {@code /sys} files, and {@link HostActivity} judges the
 * host between two snapshots by its stated rule: other processes and stolen time at 10% or more of the machine's
 * CPU time make it busy.
 */
class HostActivityTest {
    /** A 2-CPU machine's /proc/stat: user nice system idle iowait irq softirq steal guest guest_nice. */
    private static String procStat(long user, long system, long idle, long iowait, long steal) {
        return "cpu  " + user + " 0 " + system + " " + idle + " " + iowait + " 0 0 " + steal + " 7 0\n"
                + "cpu0 1 0 1 1 0 0 0 0 0 0\n"
                + "cpu1 1 0 1 1 0 0 0 0 0 0\n"
                + "intr 12345 0 0\nctxt 999\nbtime 1700000000\nprocesses 42\n";
    }

    /** /proc/self/stat of a process whose name holds a space and a parenthesis; utime and stime as given. */
    private static String selfStat(long utime, long stime) {
        return "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 5000 0 0 0 " + utime + " " + stime
                + " 0 0 20 0 30 0 731166 3133440 412 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
    }

    private static Map<String, String> files(String stat, String self, String loadavg) {
        Map<String, String> f = new HashMap<>();
        f.put(HostSnapshot.PROC_STAT, stat);
        f.put(HostSnapshot.SELF_STAT, self);
        f.put(HostSnapshot.LOADAVG, loadavg);
        return f;
    }

    private static HostSnapshot at(double seconds, Map<String, String> files) {
        return HostSnapshot.of((long) (seconds * 1e9), files::get);
    }

    @Test
    void parsesTheMachineAndTheProcessCounters() {
        Map<String, String> f = files(procStat(1000, 200, 5000, 300, 40), selfStat(700, 50),
                "1.52 0.90 0.41 3/120 4242\n");
        f.put(HostSnapshot.cpufreq(0, "scaling_cur_freq"), "2400000\n");
        f.put(HostSnapshot.cpufreq(1, "scaling_cur_freq"), "1800000\n");
        f.put(HostSnapshot.cpufreq(0, "cpuinfo_max_freq"), "3500000\n");
        f.put(HostSnapshot.cpufreq(1, "cpuinfo_max_freq"), "3500000\n");
        HostSnapshot s = at(1, f);
        assertEquals(2, s.cpus());
        // The first eight fields; guest (7) is inside user already.
        assertEquals(1000 + 200 + 5000 + 300 + 40, s.totalTicks());
        assertEquals(5300, s.idleTicks());
        assertEquals(40, s.stealTicks());
        assertEquals(750, s.ownTicks(), "utime + stime, counted after the parenthesized name");
        assertEquals(1.52, s.loadAverage(), 0);
        assertEquals(2100.0, s.cpuMhz(), 1e-9, "the mean of cpufreq's current clocks, in MHz");
        assertEquals(3500.0, s.cpuMaxMhz(), 1e-9);
    }

    @Test
    void withoutCpufreqTheClockComesFromCpuinfo() {
        Map<String, String> f = files(procStat(1, 1, 1, 0, 0), selfStat(1, 0), "0.00 0.00 0.00 1/1 1\n");
        f.put(HostSnapshot.CPUINFO, "processor\t: 0\ncpu MHz\t\t: 2096.009\nprocessor\t: 1\ncpu MHz\t\t: 2100.000\n");
        HostSnapshot s = at(0, f);
        assertEquals(2098.0045, s.cpuMhz(), 1e-9);
        assertTrue(Double.isNaN(s.cpuMaxMhz()), "no highest clock without cpufreq");
    }

    @Test
    void unreadableFilesGiveUnknownFiguresAndNoJudgement() {
        HostSnapshot none = at(0, Map.of());
        assertEquals(-1, none.totalTicks());
        assertEquals(-1, none.ownTicks());
        assertTrue(Double.isNaN(none.loadAverage()));
        assertTrue(Double.isNaN(none.cpuMhz()));
        HostActivity a = HostActivity.between(none, at(60, Map.of()));
        assertTrue(Double.isNaN(a.otherCpuShare()));
        assertFalse(a.busy(), "counters that cannot be read are not judged");
        assertNull(a.warning());
        assertEquals("the machine's CPU time could not be read", a.describe());
    }

    @Test
    void aQuietHostIsNotBusy() {
        // 10 s on 2 CPUs = 2000 ticks: this process 1900, others 40 (2%), idle 60.
        HostSnapshot before = at(0, files(procStat(10_000, 2_000, 50_000, 0, 0), selfStat(500, 100), "0.40 0 0 1/1 1"));
        HostSnapshot after = at(10, files(procStat(11_640, 2_300, 50_060, 0, 0), selfStat(2_200, 300),
                "1.90 0 0 1/1 1"));
        HostActivity a = HostActivity.between(before, after);
        assertEquals(10.0, a.seconds(), 1e-9);
        assertEquals(0.95, a.ownCpuShare(), 1e-12);
        assertEquals(0.02, a.otherCpuShare(), 1e-12);
        assertEquals(0.0, a.stealShare(), 0);
        assertFalse(a.busy());
        assertNull(a.warning());
        assertEquals("other processes used 2% of the machine's CPU time (this run used 95%; load average 0.40"
                + " before, 1.90 after, on 2 CPUs)", a.describe());
    }

    @Test
    void anotherBenchmarkMakesTheHostBusyAndTheWarningSaysByHowMuch() {
        // 10 s on 2 CPUs: this process 1000 ticks (50%), another benchmark 960 (48%), idle 40.
        HostSnapshot before = at(0, files(procStat(10_000, 2_000, 50_000, 0, 0), selfStat(500, 100), "2.10 0 0 1/1 1"));
        HostSnapshot after = at(10, files(procStat(11_800, 2_160, 50_040, 0, 0), selfStat(1_400, 200),
                "3.90 0 0 1/1 1"));
        HostActivity a = HostActivity.between(before, after);
        assertEquals(0.48, a.otherCpuShare(), 1e-12);
        assertTrue(a.busy());
        assertEquals("busy host: other processes used 48% of the machine's CPU time (this run used 50%; load"
                + " average 2.10 before, 3.90 after, on 2 CPUs) during the run, at or above the 10% that makes a"
                + " host busy; its figures may be slower and noisier than the code is: measure on a quiet host"
                + " before comparing them", a.warning());
    }

    @Test
    void theRuleCountsStolenTimeAndIncludesItsThreshold() {
        // 2000 ticks: other processes 100 (5%), stolen 100 (5%): 10% together, busy.
        HostSnapshot before = at(0, files(procStat(0, 0, 0, 0, 0), selfStat(0, 0), "0 0 0 1/1 1"));
        HostSnapshot after = at(10, files(procStat(1_900, 0, 0, 0, 100), selfStat(1_800, 0), "0 0 0 1/1 1"));
        HostActivity a = HostActivity.between(before, after);
        assertEquals(0.05, a.otherCpuShare(), 1e-12);
        assertEquals(0.05, a.stealShare(), 1e-12);
        assertTrue(a.busy(), "10% exactly is busy");
        assertTrue(a.describe().startsWith("other processes used 5% of the machine's CPU time and 5% was stolen by"
                + " the hypervisor"), a.describe());
        // One tick less of other processes: below the threshold.
        HostSnapshot under = at(10, files(procStat(1_899, 0, 1, 0, 100), selfStat(1_800, 0), "0 0 0 1/1 1"));
        assertFalse(HostActivity.between(before, under).busy());
    }

    @Test
    void aWindowTooShortToCountIsNotJudged() {
        // 0.4 s on 2 CPUs (0.8 CPU-seconds): every tick someone else's, still not judged.
        HostSnapshot before = at(0, files(procStat(0, 0, 0, 0, 0), selfStat(0, 0), "0 0 0 1/1 1"));
        HostSnapshot after = at(0.4, files(procStat(80, 0, 0, 0, 0), selfStat(0, 0), "0 0 0 1/1 1"));
        HostActivity a = HostActivity.between(before, after);
        assertEquals(1.0, a.otherCpuShare(), 0);
        assertFalse(a.busy());
    }

    @Test
    void readingTheRealHostGivesSharesBetweenZeroAndOne() {
        HostSnapshot before = HostSnapshot.read();
        long spin = System.nanoTime();
        while (System.nanoTime() - spin < 50_000_000L) {
            Thread.onSpinWait();
        }
        HostActivity a = HostActivity.between(before, HostSnapshot.read());
        assertTrue(a.seconds() > 0);
        for (double share : new double[] {a.ownCpuShare(), a.otherCpuShare(), a.stealShare()}) {
            assertTrue(Double.isNaN(share) || (share >= 0 && share <= 1), a.toString());
        }
    }
}
