package dev.tokenmeter;

import java.util.Objects;

/**
 * A value refused by the record that holds it, naming the field and what it must be ("minTrials must be >= 1, got
 * 0"). Specs check themselves in their constructors and throw this; a caller that knows the field by another name
 * (the command line's {@code --min-trials}) says so with {@link #named}, rather than checking the value again.
 */
public final class InvalidFieldException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String problem;

    /**
     * @param field   the record component at fault ("minTrials")
     * @param problem what is wrong with it, as the rest of a sentence that starts with the field: "must be >= 1,
     *                got 0"
     */
    public InvalidFieldException(String field, String problem) {
        super(field + " " + problem);
        this.field = Objects.requireNonNull(field, "field");
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** The record component at fault. */
    public String field() {
        return field;
    }

    /** What is wrong with it, without the field's name. */
    public String problem() {
        return problem;
    }

    /** The same message with the field called {@code name}: "--min-trials must be >= 1, got 0". */
    public String named(String name) {
        return name + " " + problem;
    }

    /** Refuses a count below 1. */
    public static int positive(String field, int value) {
        if (value < 1) {
            throw new InvalidFieldException(field, "must be >= 1, got " + value);
        }
        return value;
    }

    /** Refuses a count below 0; {@code zeroMeans} says what 0 asks for. */
    public static int atLeastZero(String field, int value, String zeroMeans) {
        if (value < 0) {
            throw new InvalidFieldException(field, "must be >= 0 (0 = " + zeroMeans + "), got " + value);
        }
        return value;
    }

    /** Refuses a number that is not finite and above 0; {@code unit} names what it counts ("seconds"). */
    public static double positive(String field, double value, String unit) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new InvalidFieldException(field, "must be a finite number of " + unit + " > 0, got " + value);
        }
        return value;
    }
}
