package dev.tokenmeter.result;

import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A field of a run's spec that two results must share for their points to be the same workload: {@code compare}
 * refuses (or, forced, warns about) results that differ in it.
 *
 * @param name    how messages name it ("serving burstiness")
 * @param option  the command-line option that sets it ("--burstiness"), or null
 * @param value   the field's value in a spec
 * @param applies whether a spec uses the field at all (a trace's lengths are the trace's, not --prompt-len's); it
 *                is compared when both sides use it (where only one does, the difference that makes it so, a mode or a
 *                target, is said already)
 */
public record SetupField(String name, String option, Function<RunSpec, Object> value, Predicate<RunSpec> applies) {
    public SetupField {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(applies, "applies");
    }

    /** The name with its option: "serving burstiness (--burstiness)". */
    public String describe() {
        return option == null ? name : name + " (" + option + ")";
    }
}
