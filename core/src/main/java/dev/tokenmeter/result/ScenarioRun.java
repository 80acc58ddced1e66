package dev.tokenmeter.result;

import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.engine.Engine;

/**
 * What a scenario's runner is given and reports to: the spec, an engine loaded for it, the device, the price; and
 * the calls through which it tells how the run goes. The runner that owns it turns these into {@link RunListener}
 * events and the {@link Result}.
 *
 * @param <S> the scenario's spec
 * @param <P> the scenario's point
 */
public interface ScenarioRun<S extends ScenarioSpec, P extends ScenarioPoint> {
    /** The whole run's spec, as the result will record it. */
    RunSpec spec();

    /** The scenario's spec (automatic values made concrete). */
    S scenario();

    /** The engine, loaded with {@link ScenarioType#engineOptions}; null for a scenario on its own backend. */
    Engine engine();

    DeviceInfo device();

    /** The price per device-hour for the points' cost figures; null when none applies. */
    Price price();

    /** A point is about to be measured ({@code total} 0 where not known ahead). */
    void pointStarted(String label, int index, int total);

    void progress(PointProgress progress);

    /**
     * The point's warm-up is over and what follows is measured: the device's telemetry window starts again here, so
     * that its power and energy are those of the measured work alone. A point with no warm-up inside it (a serving
     * point, warmed before its first) need not call it.
     */
    void measuring();

    /** A point is measured: it goes into the result, in this order. */
    void pointFinished(P point);

    /** A run-level warning for the result (the search's answer, a price that could not be found). */
    void warn(String warning);
}
