package dev.tokenmeter.result;

import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.measure.HostActivity;
import dev.tokenmeter.telemetry.DeviceTelemetry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Where a run happened: the device, the host and the software, recorded in every result.
 *
 * @param tokenmeterVersion the build's version
 * @param gitCommit         the commit the build came from, or "unknown"
 * @param jvm               vendor, version and VM name
 * @param os                name, version and architecture
 * @param cpu               the host CPU's model name
 * @param cpuCores          cores the JVM may use
 * @param maxHeapBytes      the JVM's heap limit (what the CPU backend may use as memory)
 * @param device            the device the backend ran on
 * @param hostMemoryBytes   the host's physical memory ({@code MemTotal} of {@code /proc/meminfo}); 0 where it
 *                          cannot be read, as in results written before it was recorded
 * @param host              what the host was doing while the run measured; null until the run ends, and in
 *                          results written before it was recorded
 * @param telemetry         what the GPU did while the run measured (power, energy per token, clocks, throttling,
 *                          ECC), or why that is not known (a CPU run, no NVML); null until the run ends, and in
 *                          results written before it was recorded
 */
public record Environment(String tokenmeterVersion, String gitCommit, String jvm, String os, String cpu,
        int cpuCores, long maxHeapBytes, DeviceInfo device, long hostMemoryBytes, HostActivity host,
        DeviceTelemetry telemetry) {

    /** An environment without the host's memory or activity (a library user's, a test's). */
    public Environment(String tokenmeterVersion, String gitCommit, String jvm, String os, String cpu, int cpuCores,
            long maxHeapBytes, DeviceInfo device) {
        this(tokenmeterVersion, gitCommit, jvm, os, cpu, cpuCores, maxHeapBytes, device, 0, null, null);
    }

    /** An environment without the device's telemetry (a result written before it was recorded). */
    public Environment(String tokenmeterVersion, String gitCommit, String jvm, String os, String cpu, int cpuCores,
            long maxHeapBytes, DeviceInfo device, long hostMemoryBytes, HostActivity host) {
        this(tokenmeterVersion, gitCommit, jvm, os, cpu, cpuCores, maxHeapBytes, device, hostMemoryBytes, host, null);
    }

    /** This environment with what the host did during the run. */
    public Environment withHost(HostActivity activity) {
        return new Environment(tokenmeterVersion, gitCommit, jvm, os, cpu, cpuCores, maxHeapBytes, device,
                hostMemoryBytes, activity, telemetry);
    }

    /** This environment with what the device did during the run. */
    public Environment withTelemetry(DeviceTelemetry deviceTelemetry) {
        return new Environment(tokenmeterVersion, gitCommit, jvm, os, cpu, cpuCores, maxHeapBytes, device,
                hostMemoryBytes, host, deviceTelemetry);
    }

    /** This process's environment, with the given device. */
    public static Environment capture(DeviceInfo device) {
        Properties build = buildInfo();
        String commit = build.getProperty("commit", "unknown");
        if ("true".equals(build.getProperty("dirty"))) {
            commit += "+uncommitted-changes";
        }
        return new Environment(build.getProperty("version", "unknown"), commit,
                System.getProperty("java.vendor") + " " + System.getProperty("java.runtime.version") + " ("
                        + System.getProperty("java.vm.name") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                DeviceInfo.hostCpuModel(), Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory(),
                device, readHostMemoryBytes(), null, null);
    }

    /** The host's physical memory from /proc/meminfo, or 0 where it cannot be read (not Linux). */
    static long readHostMemoryBytes() {
        try {
            return memTotal(Files.readString(Path.of("/proc/meminfo")));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** {@code MemTotal} of a /proc/meminfo text in bytes ("MemTotal:  24683756 kB"), or 0 where it has none. */
    static long memTotal(String meminfo) {
        for (String line : meminfo.split("\n")) {
            if (line.startsWith("MemTotal:")) {
                String[] f = line.substring("MemTotal:".length()).trim().split("\\s+");
                try {
                    return Long.parseLong(f[0]) * (f.length > 1 && f[1].equalsIgnoreCase("kB") ? 1024 : 1);
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    private static Properties buildInfo() {
        Properties p = new Properties();
        try (var in = Environment.class.getResourceAsStream("/dev/tokenmeter/build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // A missing build stamp leaves "unknown" in the result; it does not stop a run.
        }
        return p;
    }
}
