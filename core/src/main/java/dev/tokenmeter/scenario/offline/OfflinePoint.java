package dev.tokenmeter.scenario.offline;

import com.fasterxml.jackson.annotation.JsonTypeName;
import dev.tokenmeter.cost.CostMetrics;
import dev.tokenmeter.measure.Precision;
import dev.tokenmeter.metrics.PointMetrics;
import dev.tokenmeter.metrics.Roofline;
import dev.tokenmeter.metrics.TrialRecord;
import dev.tokenmeter.result.ScenarioPoint;
import java.util.List;
import java.util.Locale;

/**
 * One measured point of the offline scenario: its shape, the raw trials, and what was derived from them.
 *
 * @param warmupTrials trials run and discarded before these
 * @param trials       the measured trials, in order
 * @param cost         cost figures, or null when no price applies
 * @param precision    how precisely the headline metric was measured, and why trials stopped
 * @param warnings     anything a reader must know (a roofline violation, a point cut short by its budget)
 */
@JsonTypeName(OfflineScenario.NAME)
public record OfflinePoint(int batch, int promptLength, int outputLength, int warmupTrials,
        List<TrialRecord> trials, PointMetrics metrics, Roofline roofline, CostMetrics cost, Precision precision,
        List<String> warnings) implements ScenarioPoint {
    public OfflinePoint {
        trials = trials == null ? List.of() : List.copyOf(trials);
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    /** "batch 4, prompt 32, output 16". */
    @Override
    public String label() {
        return label(batch, promptLength, outputLength);
    }

    static String label(int batch, int promptLength, int outputLength) {
        return String.format(Locale.ROOT, "batch %d, prompt %d, output %d", batch, promptLength, outputLength);
    }
}
