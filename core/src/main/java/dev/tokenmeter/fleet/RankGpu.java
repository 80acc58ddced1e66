package dev.tokenmeter.fleet;

/**
 * The GPU a rank ran on, as far as the rank could tell: the scheduler's view ({@code CUDA_VISIBLE_DEVICES}, the local
 * task index) and the device's own (UUID, PCI bus, product name) where the backend or NVML could read them. Every
 * field may be null: a CPU rank has no GPU.
 *
 * @param localIndex     the rank's index on its node ({@code SLURM_LOCALID}), which is its GPU's index there
 * @param visibleDevices {@code CUDA_VISIBLE_DEVICES} as the scheduler set it ("0", "GPU-8a1b…")
 * @param uuid           the GPU's UUID ("GPU-8a1b…")
 * @param pciBusId       the GPU's PCI bus id ("00000000:3B:00.0")
 * @param name           the device's product name ("NVIDIA H200"), or the CPU model on the CPU path
 */
public record RankGpu(Integer localIndex, String visibleDevices, String uuid, String pciBusId, String name) {
    /** How reports name the GPU on its node: its UUID where known, else its visible index ("gpu 0"), else "-". */
    public String shortName() {
        if (uuid != null && !uuid.isBlank()) {
            return uuid.length() > 12 ? uuid.substring(0, 12) + "…" : uuid;
        }
        if (visibleDevices != null && !visibleDevices.isBlank()) {
            return "gpu " + visibleDevices;
        }
        return localIndex == null ? "-" : "task " + localIndex;
    }

    /** This GPU with the device's own identity, where it is known (fields given as null keep their value). */
    public RankGpu withDevice(String uuid, String pciBusId, String name) {
        return new RankGpu(localIndex, visibleDevices, uuid != null ? uuid : this.uuid,
                pciBusId != null ? pciBusId : this.pciBusId, name != null ? name : this.name);
    }
}
