package dev.tokenmeter.result;

import dev.tokenmeter.backend.DeviceInfo;
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
 * @param maxHeapBytes      the JVM's heap limit
 * @param device            the device the backend ran on
 */
public record Environment(String tokenmeterVersion, String gitCommit, String jvm, String os, String cpu,
        int cpuCores, long maxHeapBytes, DeviceInfo device) {

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
                cpuModel(), Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory(), device);
    }

    /** The CPU's model name from /proc/cpuinfo, or the architecture where that is unreadable. */
    public static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or not readable: fall through to the architecture.
        }
        return System.getProperty("os.arch");
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
