package dev.tokenmeter.backend;

/** Whether a backend can run here, and if not, why. */
public record Availability(boolean usable, String reason) {
    public static Availability yes(String reason) {
        return new Availability(true, reason);
    }

    public static Availability no(String reason) {
        return new Availability(false, reason);
    }
}
