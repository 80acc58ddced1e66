package dev.tokenmeter.result;

import dev.tokenmeter.backend.DeviceInfo;
import java.io.IOException;
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
                DeviceInfo.hostCpuModel(), Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory(), device);
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
