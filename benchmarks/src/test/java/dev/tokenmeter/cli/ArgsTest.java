package dev.tokenmeter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tokenmeter.InvalidFieldException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A spec's refusal named by the command line's options. */
class ArgsTest {
    @Test
    void fieldsAreNamedByTheirOptionsOnceEach() {
        Map<String, String> options = Map.of("warmupRequests", "--warmup-requests", "requests", "--requests",
                "maxTrials", "--max-trials", "minTrials", "--min-trials");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Args.checked(options, () -> {
            throw new InvalidFieldException("warmupRequests", "must be below requests and minTrials, got 9");
        }));
        // An option put in place ("--warmup-requests") holds a field's name ("requests") but is not renamed again.
        assertEquals("--warmup-requests must be below --requests and --min-trials, got 9", e.getMessage());
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> Args.checked(options,
                () -> {
                    throw new InvalidFieldException("maxTrials", "must be >= minTrials (3), got 2");
                }));
        assertEquals("--max-trials must be >= --min-trials (3), got 2", other.getMessage());
    }
}
