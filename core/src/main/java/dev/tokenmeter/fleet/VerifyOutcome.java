package dev.tokenmeter.fleet;

import java.util.Objects;

/**
 * What {@code tokenmeter verify} (the GPU path against the CPU reference) said on a rank before it measured.
 *
 * @param status {@code passed}, {@code failed}, or {@code skipped} (the rank runs on the CPU, an endpoint, or
 *               verification was turned off)
 * @param passed checks that passed
 * @param failed checks that failed
 * @param detail the failed checks' lines, or why it was skipped
 */
public record VerifyOutcome(String status, int passed, int failed, String detail) {
    public static final String PASSED = "passed";
    public static final String FAILED = "failed";
    public static final String SKIPPED = "skipped";

    public VerifyOutcome {
        Objects.requireNonNull(status, "status");
        if (!status.equals(PASSED) && !status.equals(FAILED) && !status.equals(SKIPPED)) {
            throw new IllegalArgumentException("verify status must be passed, failed or skipped, got '" + status
                    + "'");
        }
    }

    /** Verification that did not run, and why. */
    public static VerifyOutcome skipped(String why) {
        return new VerifyOutcome(SKIPPED, 0, 0, why);
    }

    /** "passed (412 checks)", "FAILED: 3 of 412 checks", "skipped: …". */
    public String describe() {
        return switch (status) {
            case PASSED -> "passed (" + passed + " checks)";
            case FAILED -> "FAILED: " + failed + " of " + (passed + failed) + " checks"
                    + (detail == null || detail.isBlank() ? "" : " (" + detail + ")");
            default -> "skipped" + (detail == null || detail.isBlank() ? "" : ": " + detail);
        };
    }
}
