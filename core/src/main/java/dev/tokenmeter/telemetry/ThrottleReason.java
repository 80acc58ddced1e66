package dev.tokenmeter.telemetry;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Why a GPU's clocks were below their maximum: the bits of NVML's clocks event reasons (called throttle reasons
 * before driver R535), as {@code nvmlDeviceGetCurrentClocksEventReasons} returns them.
 */
public enum ThrottleReason {
    /** Nothing runs on the GPU, so its clocks are low: not a slowdown of measured work. */
    GPU_IDLE(0x1L, "GPU idle"),
    /** The clocks are held at the applications clocks the administrator set. */
    APPLICATIONS_CLOCKS_SETTING(0x2L, "applications clocks setting"),
    /** The power draw reached the power limit, and the driver lowered the clocks. */
    SW_POWER_CAP(0x4L, "SW power cap"),
    /** Hardware slowdown (temperature or power brake), the clocks cut by half or more. */
    HW_SLOWDOWN(0x8L, "HW slowdown"),
    /** Held to the clocks of other GPUs in a sync boost group. */
    SYNC_BOOST(0x10L, "sync boost"),
    /** The driver lowered the clocks to keep the GPU or its memory below their temperature limits. */
    SW_THERMAL_SLOWDOWN(0x20L, "SW thermal slowdown"),
    /** Hardware thermal slowdown: the GPU is too hot. */
    HW_THERMAL_SLOWDOWN(0x40L, "HW thermal slowdown"),
    /** An external power brake (the system's power supply) slowed the GPU. */
    HW_POWER_BRAKE_SLOWDOWN(0x80L, "HW power brake slowdown"),
    /** The clocks follow the display's clock setting. */
    DISPLAY_CLOCK_SETTING(0x100L, "display clocks setting");

    private final long bit;
    private final String label;

    ThrottleReason(long bit, String label) {
        this.bit = bit;
        this.label = label;
    }

    /** The reason's bit in NVML's mask. */
    public long bit() {
        return bit;
    }

    /** How reports name it: "SW power cap". */
    public String label() {
        return label;
    }

    /**
     * The names of the reasons set in {@code mask}, in bit order; a set bit NVML may add later, that this list does
     * not know, is named by its value ("reason 0x200").
     */
    public static List<String> names(long mask) {
        List<String> out = new ArrayList<>();
        long known = 0;
        for (ThrottleReason r : values()) {
            known |= r.bit;
            if ((mask & r.bit) != 0) {
                out.add(r.label);
            }
        }
        long unknown = mask & ~known;
        for (int b = 0; b < Long.SIZE; b++) {
            long bit = 1L << b;
            if ((unknown & bit) != 0) {
                out.add(String.format(Locale.ROOT, "reason 0x%x", bit));
            }
        }
        return out;
    }
}
