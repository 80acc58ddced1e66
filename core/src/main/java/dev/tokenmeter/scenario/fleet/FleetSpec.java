package dev.tokenmeter.scenario.fleet;

import com.fasterxml.jackson.annotation.JsonTypeName;
import dev.tokenmeter.InvalidFieldException;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.result.ScenarioSpec;
import java.util.Objects;

/**
 * A fleet: the same scenario measured once per GPU by many ranks, on many nodes, merged into one result. Made by
 * {@link FleetMerge} from the ranks' files; not run on one engine.
 *
 * @param fleetId             what every rank of the fleet carries (a rank file of another id is foreign)
 * @param scheduler           what ran the ranks: "slurm", "kubernetes", or "folder" (merged from files alone)
 * @param job                 the scheduler's job id, or null
 * @param ranks               the ranks the fleet was to have
 * @param rankScenario        what each rank measured (an offline or serving spec)
 * @param stragglerAlpha      the straggler test's family-wise false-alarm rate over every GPU and point
 * @param stragglerMinDeficit the smallest deficit against the fleet median worth calling a straggler (0.05: 5%)
 * @param planPercentile      the percentile of GPUs a capacity plan rests on (10: the GPU 10% of the fleet is
 *                            slower than), not the mean, so that a plan holds on the slower GPUs too
 */
@JsonTypeName(FleetScenario.NAME)
public record FleetSpec(String fleetId, String scheduler, String job, int ranks, ScenarioSpec rankScenario,
        double stragglerAlpha, double stragglerMinDeficit, double planPercentile) implements ScenarioSpec {
    public static final double DEFAULT_ALPHA = 0.01;
    public static final double DEFAULT_MIN_DEFICIT = 0.05;
    public static final double DEFAULT_PLAN_PERCENTILE = 10;

    public FleetSpec {
        Objects.requireNonNull(fleetId, "fleetId");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(rankScenario, "rankScenario");
        if (rankScenario instanceof FleetSpec) {
            throw new IllegalArgumentException("a fleet's ranks measure a scenario of their own, not a fleet");
        }
        InvalidFieldException.positive("ranks", ranks);
        if (!(stragglerAlpha > 0 && stragglerAlpha <= 0.5)) {
            throw new InvalidFieldException("stragglerAlpha", "must be in (0, 0.5], got " + stragglerAlpha);
        }
        if (!(stragglerMinDeficit >= 0 && stragglerMinDeficit < 1)) {
            throw new InvalidFieldException("stragglerMinDeficit", "must be in [0, 1), got " + stragglerMinDeficit);
        }
        if (!(planPercentile > 0 && planPercentile <= 50)) {
            throw new InvalidFieldException("planPercentile", "must be in (0, 50], got " + planPercentile);
        }
    }

    @Override
    public FleetScenario type() {
        return FleetScenario.TYPE;
    }

    @Override
    public void checkFits(ModelConfig model) {
        rankScenario.checkFits(model);
    }
}
