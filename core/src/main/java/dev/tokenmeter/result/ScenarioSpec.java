package dev.tokenmeter.result;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.tokenmeter.model.ModelConfig;

/**
 * What a scenario measures: its points and how each is measured, validated when it is made. A scenario is one of
 * a closed set; its type ({@link #type()}) supplies everything the rest of tokenmeter needs of it: how it runs on
 * an engine, its table, its metric vocabulary, its charts and its notices.
 *
 * <p>The {@code permits} list below is the one place a scenario is registered. Nothing else in this package names
 * a scenario: results, renderers, {@code compare} and {@code plan} reach a scenario through its type. In JSON the
 * spec carries its type's name as {@code "kind"}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "kind")
public sealed interface ScenarioSpec
        permits dev.tokenmeter.scenario.offline.OfflineSpec, dev.tokenmeter.scenario.serving.ServingSpec,
            dev.tokenmeter.scenario.fleet.FleetSpec {
    /** The scenario's type: its name, runner, vocabulary and presentation. */
    ScenarioType<?, ?> type();

    /**
     * Refuses a spec whose requests do not fit {@code model} (prompt plus output beyond its positions), naming
     * the figures. Called when a {@link RunSpec} is made.
     */
    void checkFits(ModelConfig model);
}
