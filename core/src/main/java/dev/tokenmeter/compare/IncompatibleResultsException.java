package dev.tokenmeter.compare;

import java.util.List;

/**
 * Two results measured on different models, backends, scenarios or devices: comparing them would show the
 * difference of setups, not of code. A usage error (exit code 2 on the command line) unless forced.
 */
public final class IncompatibleResultsException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final List<String> differences;

    public IncompatibleResultsException(String baseline, String candidate, List<String> differences) {
        super(baseline + " and " + candidate + " were not measured alike: " + String.join("; ", differences));
        this.differences = List.copyOf(differences);
    }

    /** Each difference, one per item: "model hidden: 128 in a.json, 768 in b.json". */
    public List<String> differences() {
        return differences;
    }
}
