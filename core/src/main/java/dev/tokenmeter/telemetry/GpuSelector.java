package dev.tokenmeter.telemetry;

import dev.tokenmeter.backend.DeviceInfo;
import java.util.Objects;

/**
 * Which NVML device is the run's GPU: the CUDA device's PCI bus id where the backend recorded it (the one way that
 * does not depend on device order), else its UUID, else the first entry of {@code CUDA_VISIBLE_DEVICES} (a UUID or
 * an index), else index 0.
 *
 * @param kind  how {@code value} names the device
 * @param value the PCI bus id, UUID or index, as NVML takes it
 * @param from  where the choice came from, for messages ("the CUDA device's PCI bus id")
 */
record GpuSelector(Kind kind, String value, String from) {
    /** How a selector names its device. */
    enum Kind {
        PCI_BUS_ID, UUID, INDEX
    }

    GpuSelector {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(from, "from");
    }

    /** The selector for {@code device}, with {@code cudaVisibleDevices} the variable's value (null where unset). */
    static GpuSelector of(DeviceInfo device, String cudaVisibleDevices) {
        String pci = device.details().get(DeviceInfo.PCI_BUS_ID);
        if (pci != null && !pci.isBlank()) {
            return new GpuSelector(Kind.PCI_BUS_ID, pci.trim(), "the CUDA device's PCI bus id");
        }
        String uuid = device.details().get(DeviceInfo.GPU_UUID);
        if (uuid != null && !uuid.isBlank()) {
            return new GpuSelector(Kind.UUID, uuid.trim(), "the CUDA device's UUID");
        }
        if (cudaVisibleDevices != null && !cudaVisibleDevices.isBlank()) {
            String first = cudaVisibleDevices.split(",", -1)[0].trim();
            if (first.matches("[0-9]+")) {
                // CUDA orders devices fastest first unless CUDA_DEVICE_ORDER=PCI_BUS_ID; NVML by PCI bus.
                return new GpuSelector(Kind.INDEX, first, "the first entry of CUDA_VISIBLE_DEVICES");
            }
            if (first.startsWith("GPU-") || first.startsWith("MIG-")) {
                return new GpuSelector(Kind.UUID, first, "the first entry of CUDA_VISIBLE_DEVICES");
            }
        }
        return new GpuSelector(Kind.INDEX, "0", "the first GPU, as nothing else named one");
    }

    /** "PCI bus id 00000000:3B:00.0 (the CUDA device's PCI bus id)". */
    String describe() {
        String what = switch (kind) {
            case PCI_BUS_ID -> "PCI bus id ";
            case UUID -> "UUID ";
            case INDEX -> "index ";
        };
        return what + value + " (" + from + ")";
    }
}
