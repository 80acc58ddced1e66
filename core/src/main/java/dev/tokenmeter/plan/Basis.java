package dev.tokenmeter.plan;

/** Where a deployment's figures come from. */
public enum Basis {
    /** The result's own measurements, on the device it ran on. */
    MEASURED("measured"),
    /** Measured figures scaled by datasheet ratios: prefill by FLOP/s, decode by memory bandwidth. */
    PROJECTION("PROJECTION"),
    /** Only decode scaled (by memory bandwidth): no FLOP/s figure is known for the target. */
    PROJECTION_DECODE_ONLY("PROJECTION, decode only"),
    /** Not projected: a serving result's steps mix prefill and decode, and no FLOP/s figure is known for the target. */
    NOT_PROJECTED("not projected");

    private final String label;

    Basis(String label) {
        this.label = label;
    }

    /** How tables show it. */
    public String label() {
        return label;
    }
}
