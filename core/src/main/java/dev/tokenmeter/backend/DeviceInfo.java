package dev.tokenmeter.backend;

import java.util.Map;
import java.util.Objects;

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
 * @param measured          ceilings measured on this device
 * @param datasheet         the vendor's figures, or {@code null} where none is known
 * @param details           anything else worth recording (driver, compute capability, clocks, ISA)
 */
public record DeviceInfo(String backend, String name, String kind, int computeUnits, long memoryBytes, long cacheBytes,
        DeviceCeilings measured, DeviceCeilings datasheet, Map<String, String> details) {
    public DeviceInfo {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(measured, "measured");
        details = details == null ? Map.of() : Map.copyOf(details);
    }
}
