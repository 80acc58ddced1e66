package dev.tokenmeter.measure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Function;

/**
 * What the host's counters read at one instant: the machine's CPU time by kind, this process's own CPU time, the
 * load average and the CPU clock. Two snapshots, one before a run and one after, tell what else the host was doing
 * during it ({@link HostActivity#between}). Read from Linux's {@code /proc} and {@code /sys}; a counter that cannot
 * be read is -1 (times) or NaN (load, clocks), so a snapshot is taken on any system.
 *
 * <p>The files are read through a function from a path to its contents, so that tests can feed recorded
 * snapshots ({@link #of}); {@link #read()} reads the real ones.
 *
 * @param nanoTime    {@link System#nanoTime()} when it was taken
 * @param loadAverage the 1-minute load average ({@code /proc/loadavg}); NaN when unknown
 * @param cpus        CPUs the machine's counters cover (the {@code cpuN} lines of {@code /proc/stat}); 0 unknown
 * @param totalTicks  CPU time of every kind on every CPU since boot, in clock ticks; -1 when unknown
 * @param idleTicks   of which idle or waiting for I/O
 * @param stealTicks  of which stolen: a virtual machine's CPUs running another guest
 * @param ownTicks    this process's CPU time (user + system, every thread), in the same ticks; -1 when unknown
 * @param cpuMhz      the CPUs' mean current clock (cpufreq, else {@code /proc/cpuinfo}); NaN when unknown
 * @param cpuMaxMhz   the CPUs' highest clock (cpufreq's {@code cpuinfo_max_freq}); NaN when unknown
 */
public record HostSnapshot(long nanoTime, double loadAverage, int cpus, long totalTicks, long idleTicks,
        long stealTicks, long ownTicks, double cpuMhz, double cpuMaxMhz) {
    static final String PROC_STAT = "/proc/stat";
    static final String SELF_STAT = "/proc/self/stat";
    static final String LOADAVG = "/proc/loadavg";
    static final String CPUINFO = "/proc/cpuinfo";

    /** The counters as they read now. */
    public static HostSnapshot read() {
        return of(System.nanoTime(), HostSnapshot::contents);
    }

    /** cpufreq's file {@code name} for CPU {@code cpu} ("scaling_cur_freq", in kHz). */
    static String cpufreq(int cpu, String name) {
        return "/sys/devices/system/cpu/cpu" + cpu + "/cpufreq/" + name;
    }

    /**
     * A snapshot from the files' contents.
     *
     * @param files a path's contents, or null where it cannot be read
     */
    public static HostSnapshot of(long nanoTime, Function<String, String> files) {
        long total = -1;
        long idle = -1;
        long steal = -1;
        int cpus = 0;
        String stat = files.apply(PROC_STAT);
        if (stat != null) {
            for (String line : stat.split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f[0].equals("cpu") && f.length >= 5) {
                    long[] v = numbers(f);
                    if (v != null) {
                        // user nice system idle iowait irq softirq steal guest guest_nice: guest time is already
                        // counted in user and nice, so the first eight fields are the whole.
                        total = 0;
                        for (int i = 0; i < Math.min(8, v.length); i++) {
                            total += v[i];
                        }
                        idle = v[3] + (v.length > 4 ? v[4] : 0);
                        steal = v.length > 7 ? v[7] : 0;
                    }
                } else if (f[0].matches("cpu[0-9]+")) {
                    cpus++;
                }
            }
        }
        return new HostSnapshot(nanoTime, loadAverage(files.apply(LOADAVG)), cpus, total, idle, steal,
                ownTicks(files.apply(SELF_STAT)), mhz(files, cpus, "scaling_cur_freq", files.apply(CPUINFO)),
                mhz(files, cpus, "cpuinfo_max_freq", null));
    }

    /** The fields after the first as numbers, or null when one is not. */
    private static long[] numbers(String[] fields) {
        long[] v = new long[fields.length - 1];
        try {
            for (int i = 1; i < fields.length; i++) {
                v[i - 1] = Long.parseLong(fields[i]);
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return v;
    }

    private static double loadAverage(String loadavg) {
        if (loadavg != null) {
            try {
                return Double.parseDouble(loadavg.trim().split("\\s+")[0]);
            } catch (NumberFormatException e) {
                // unknown, below
            }
        }
        return Double.NaN;
    }

    /**
     * utime + stime of {@code /proc/self/stat}: fields 14 and 15, counted after the command name, which is in
     * parentheses and may itself hold spaces.
     */
    private static long ownTicks(String selfStat) {
        if (selfStat == null || selfStat.lastIndexOf(')') < 0) {
            return -1;
        }
        String[] f = selfStat.substring(selfStat.lastIndexOf(')') + 1).trim().split("\\s+");
        // After the name: state (field 3) is f[0], so field k is f[k - 3].
        try {
            return Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /**
     * The mean over the CPUs of a cpufreq figure (kHz) in MHz; where cpufreq is absent (most virtual machines),
     * the mean of {@code /proc/cpuinfo}'s "cpu MHz" lines when {@code cpuinfo} is given; else NaN.
     */
    private static double mhz(Function<String, String> files, int cpus, String name, String cpuinfo) {
        double sum = 0;
        int n = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
            String khz = files.apply(cpufreq(cpu, name));
            if (khz != null) {
                try {
                    sum += Long.parseLong(khz.trim()) / 1e3;
                    n++;
                } catch (NumberFormatException e) {
                    // a CPU without the figure: left out of the mean
                }
            }
        }
        if (n == 0 && cpuinfo != null) {
            for (String line : cpuinfo.split("\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("cpu mhz") && line.indexOf(':') > 0) {
                    try {
                        sum += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
                        n++;
                    } catch (NumberFormatException e) {
                        // left out of the mean
                    }
                }
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** A file's contents, or null where it is absent or unreadable (not Linux, no cpufreq). */
    private static String contents(String path) {
        try {
            return Files.readString(Path.of(path));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
