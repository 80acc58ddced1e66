package dev.tokenmeter.measure;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the host was doing while a run measured: how much of the machine's CPU time went to this process, to other
 * processes, and to other virtual machines (stolen), the load average before and after, and the CPU clock. A run
 * on a busy host is slower and noisier than the code is, and looks like a regression when compared with one on a
 * quiet host; this record lets a result say so.
 *
 * <p><b>The rule</b>: the host was busy when other processes and stolen time together took at least
 * {@link #BUSY_SHARE} of the machine's CPU time between the two snapshots (on 2 CPUs, a fifth of a CPU on average).
 * The load average is recorded but not judged: the one before a run still counts the run before it for a minute
 * or more, and the one after counts this run. A window shorter than {@link #MIN_JUDGED_CPU_SECONDS} of CPU time is
 * not judged (the counters tick every 10 ms), nor one whose counters could not be read.
 *
 * @param seconds           wall time between the two snapshots
 * @param cpus              CPUs the machine's counters cover; 0 when unknown
 * @param loadAverageBefore the 1-minute load average when the run started; NaN when unknown
 * @param loadAverageAfter  the same when it ended
 * @param ownCpuShare       share of the machine's CPU time (every CPU) used by this process; NaN when unknown
 * @param otherCpuShare     share used by every other process; NaN when unknown
 * @param stealShare        share stolen by the hypervisor for other guests; NaN when unknown
 * @param cpuMhzBefore      the CPUs' mean clock when the run started; NaN when unknown
 * @param cpuMhzAfter       the same when it ended
 * @param cpuMhzMax         the CPUs' highest clock; NaN when unknown
 * @param busy              the host was busy by the rule above
 */
public record HostActivity(double seconds, int cpus, double loadAverageBefore, double loadAverageAfter,
        double ownCpuShare, double otherCpuShare, double stealShare, double cpuMhzBefore, double cpuMhzAfter,
        double cpuMhzMax, boolean busy) {
    /** Other processes and stolen time at or above this share of the machine's CPU time make a host busy. */
    public static final double BUSY_SHARE = 0.10;
    /** A window with less CPU time than this (seconds × CPUs) is not judged. */
    public static final double MIN_JUDGED_CPU_SECONDS = 1.0;

    /** What the host did between {@code before} and {@code after}, judged by the rule. */
    public static HostActivity between(HostSnapshot before, HostSnapshot after) {
        double seconds = (after.nanoTime() - before.nanoTime()) / 1e9;
        long total = delta(before.totalTicks(), after.totalTicks());
        long idle = delta(before.idleTicks(), after.idleTicks());
        long steal = delta(before.stealTicks(), after.stealTicks());
        long own = delta(before.ownTicks(), after.ownTicks());
        double ownShare = Double.NaN;
        double otherShare = Double.NaN;
        double stealShare = Double.NaN;
        if (total > 0 && idle >= 0 && steal >= 0) {
            stealShare = clamp((double) steal / total);
            if (own >= 0) {
                // The two files are read a moment apart: a tick either way must not make a share negative.
                ownShare = clamp((double) own / total);
                otherShare = clamp((double) (total - idle - steal - own) / total);
            }
        }
        int cpus = after.cpus() > 0 ? after.cpus() : before.cpus();
        boolean judged = Double.isFinite(otherShare) && seconds * Math.max(1, cpus) >= MIN_JUDGED_CPU_SECONDS;
        boolean busy = judged && otherShare + stealShare >= BUSY_SHARE;
        return new HostActivity(seconds, cpus, before.loadAverage(), after.loadAverage(), ownShare, otherShare,
                stealShare, before.cpuMhz(), after.cpuMhz(), Double.isFinite(after.cpuMaxMhz()) ? after.cpuMaxMhz()
                        : before.cpuMaxMhz(), busy);
    }

    private static long delta(long before, long after) {
        return before < 0 || after < 0 ? -1 : after - before;
    }

    private static double clamp(double share) {
        return Math.max(0, Math.min(1, share));
    }

    /**
     * The figures in one clause: "other processes used 48% of the machine's CPU time and 2% was stolen by the
     * hypervisor (this run used 50%; load average 3.10 before, 4.20 after, on 2 CPUs)".
     */
    public String describe() {
        List<String> context = new ArrayList<>();
        if (Double.isFinite(ownCpuShare)) {
            context.add("this run used " + percent(ownCpuShare));
        }
        if (Double.isFinite(loadAverageBefore) || Double.isFinite(loadAverageAfter)) {
            context.add(String.format(Locale.ROOT, "load average %s before, %s after%s", load(loadAverageBefore),
                    load(loadAverageAfter), cpus > 0 ? ", on " + cpus + " CPU" + (cpus == 1 ? "" : "s") : ""));
        }
        if (Double.isFinite(cpuMhzBefore) || Double.isFinite(cpuMhzAfter)) {
            context.add("clock " + mhz(cpuMhzBefore) + " before, " + mhz(cpuMhzAfter) + " after"
                    + (Double.isFinite(cpuMhzMax) ? " (highest " + mhz(cpuMhzMax) + ")" : ""));
        }
        String others = !Double.isFinite(otherCpuShare) ? "the machine's CPU time could not be read"
                : "other processes used " + percent(otherCpuShare) + " of the machine's CPU time"
                        + (stealShare > 0 ? " and " + percent(stealShare) + " was stolen by the hypervisor" : "");
        return others + (context.isEmpty() ? "" : " (" + String.join("; ", context) + ")");
    }

    /** The run-level warning of a busy host, or null when it was not busy. */
    public String warning() {
        return busy ? "busy host: " + describe() + " during the run, at or above the "
                + percent(BUSY_SHARE) + " that makes a host busy; its figures may be slower and noisier than the"
                + " code is: measure on a quiet host before comparing them" : null;
    }

    /** "48%", "0.4%". */
    static String percent(double share) {
        double p = 100 * share;
        return (p > 0 && p < 1 ? String.format(Locale.ROOT, "%.1f", p) : String.format(Locale.ROOT, "%.0f", p)) + "%";
    }

    private static String load(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", v) : "unknown";
    }

    private static String mhz(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.0f MHz", v) : "unknown";
    }
}
