package dev.tokenmeter.measure;

/** Why a point's measured trials stopped; {@link #label()} is the name results and reports carry. */
public enum StopReason {
    /** The 95% confidence half-width of the headline metric came within the target. */
    PRECISION("precision"),
    /** The point's time budget was spent first; the target was not reached. */
    BUDGET("budget"),
    /** The maximum trial count was reached first; the target was not reached. */
    MAX_TRIALS("max-trials");

    private final String label;

    StopReason(String label) {
        this.label = label;
    }

    /** The name in results: "precision", "budget" or "max-trials". */
    public String label() {
        return label;
    }
}
