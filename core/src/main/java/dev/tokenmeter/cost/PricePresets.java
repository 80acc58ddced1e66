package dev.tokenmeter.cost;

import dev.tokenmeter.backend.DeviceInfo;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** List prices per device-hour, each with its source and date. */
public final class PricePresets {
    private static final String COREWEAVE = "CoreWeave public on-demand list price per GPU-hour";
    private static final String COREWEAVE_DATE = "2026";
    private static final Map<String, Price> PRESETS = build();

    private PricePresets() {
    }

    private static Map<String, Price> build() {
        Map<String, Price> m = new LinkedHashMap<>();
        gpu(m, "h100", 6.155);
        gpu(m, "h200", 6.305);
        gpu(m, "b200", 8.60);
        gpu(m, "gb200", 10.50);
        gpu(m, "a100", 2.70);
        gpu(m, "l40s", 2.25);
        // The CPU path is priced as the kind of small general-purpose instance CI runs on: 2 vCPUs, 8 GiB.
        m.put("cpu", new Price(0.1008, "cpu",
                "AWS EC2 on-demand list price, m7i.large (2 vCPU, 8 GiB), us-east-1, Linux", "2025", 1.0));
        return Collections.unmodifiableMap(m);
    }

    private static void gpu(Map<String, Price> m, String name, double usd) {
        m.put(name, new Price(usd, name.toUpperCase(Locale.ROOT), COREWEAVE, COREWEAVE_DATE, 1.0));
    }

    public static Map<String, Price> all() {
        return PRESETS;
    }

    /** The named preset; an unknown name is refused with the known ones. */
    public static Price get(String name) {
        Price p = PRESETS.get(name.trim().toLowerCase(Locale.ROOT));
        if (p == null) {
            throw new IllegalArgumentException("unknown price preset '" + name + "'; known: "
                    + String.join(", ", PRESETS.keySet()) + ", or a number of USD per device-hour");
        }
        return p;
    }

    /**
     * The price of the device a run is on: the GPU preset named by one of the words of the device's name ("NVIDIA
     * H100 80GB HBM3" is an H100; "NVIDIA GH200 480GB" is none of the presets, not an H200), the CPU instance price
     * for a CPU, or null when none applies.
     */
    public static Price forDevice(DeviceInfo device) {
        if ("cpu".equals(device.kind())) {
            return PRESETS.get("cpu");
        }
        for (String word : device.name().toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) {
            if (!word.equals("cpu") && PRESETS.containsKey(word)) {
                return PRESETS.get(word);
            }
        }
        return null;
    }

    /**
     * A price from the command line: a preset name, a number of USD per hour, or "auto" (the device's preset).
     */
    public static Price parse(String text, DeviceInfo device) {
        String t = text.trim();
        if (t.equalsIgnoreCase("auto")) {
            Price p = forDevice(device);
            if (p == null) {
                throw new IllegalArgumentException("no price preset matches device '" + device.name()
                        + "'; give --price as a number of USD per device-hour or one of: "
                        + String.join(", ", PRESETS.keySet()));
            }
            return p;
        }
        try {
            return Price.user(Double.parseDouble(t));
        } catch (NumberFormatException e) {
            return get(t);
        }
    }
}
