package dev.tokenmeter.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a backend runs on.
 *
 * @param backend           the backend's name ("cpu", "cuda")
 * @param name              the device's name (a CPU model or a GPU product name)
 * @param kind              "cpu" or "gpu"
 * @param computeUnits      cores (CPU) or streaming multiprocessors (GPU)
 * @param memoryBytes       memory the backend may use
 * @param cacheBytes        last-level cache (0 when unknown): a working set smaller than this can beat the
 *                          memory roofline legitimately, so the roofline check does not apply to it
 * @param measured          ceilings measured on this device; null where nothing was measured here (an endpoint's
 *                          devices are its server's)
 * @param datasheet         the vendor's figures, or {@code null} where none is known
 * @param details           anything else worth recording (driver, compute capability, clocks, ISA), in key
 *                          order
 */
public record DeviceInfo(String backend, String name, String kind, int computeUnits, long memoryBytes, long cacheBytes,
        DeviceCeilings measured, DeviceCeilings datasheet, Map<String, String> details) {
    /**
     * The key in {@code details} of a GPU's PCI address as NVML writes it, {@code "00000000:3B:00.0"}: how telemetry
     * finds the same GPU in NVML, whose device order may differ from CUDA's.
     */
    public static final String PCI_BUS_ID = "PCI bus id";
    /** The key in {@code details} of a GPU's UUID, {@code "GPU-"} and 32 hex digits in groups. */
    public static final String GPU_UUID = "GPU UUID";

    public DeviceInfo {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        details = details == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(details));
    }

    /** The host CPU's model name from /proc/cpuinfo, or the architecture where that is unreadable. */
    public static String hostCpuModel() {
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
}
