package dev.tokenmeter.telemetry;

/**
 * Which GPU the telemetry was read from, as NVML names it.
 *
 * @param index    NVML's index of the device (in PCI bus order, which may differ from CUDA's order); null where
 *                 not read
 * @param uuid     the device's UUID, {@code "GPU-"} and 32 hex digits in groups; null where not read
 * @param pciBusId the PCI address, {@code "00000000:3B:00.0"} (domain:bus:device.function); null where not read
 * @param name     the product name ("NVIDIA H100 80GB HBM3"); null where not read
 */
public record GpuIdentity(Integer index, String uuid, String pciBusId, String name) {
    /** "NVIDIA H200 (index 0, GPU-1a2b..., PCI 00000000:3B:00.0)", leaving out what was not read. */
    public String describe() {
        StringBuilder ids = new StringBuilder();
        if (index != null) {
            ids.append("index ").append(index);
        }
        if (uuid != null) {
            ids.append(ids.length() > 0 ? ", " : "").append(uuid);
        }
        if (pciBusId != null) {
            ids.append(ids.length() > 0 ? ", " : "").append("PCI ").append(pciBusId);
        }
        String n = name == null ? "GPU" : name;
        return ids.length() == 0 ? n : n + " (" + ids + ")";
    }
}
