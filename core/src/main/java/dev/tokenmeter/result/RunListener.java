package dev.tokenmeter.result;

import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.telemetry.DeviceTelemetry;
import java.util.List;

/**
 * Hears about a run of any scenario as it goes; every method defaults to doing nothing. Called on the running
 * thread, in this order: {@link #loading}, {@link #started}, then for each point {@link #pointStarted},
 * {@link #progress} any number of times, {@link #telemetry} and {@link #pointFinished}, and last {@link #finished},
 * also when the run fails.
 */
public interface RunListener {
    RunListener NONE = new RunListener() {
    };

    /**
     * The device is open and the engine is about to be loaded: the model's weights made on the device, which can take
     * a while for a large model (tens of seconds for a 3B model on the CPU), so that a listener can show it.
     *
     * @param spec   the spec as the result will record it
     * @param device the device the engine is loaded on
     */
    default void loading(RunSpec spec, DeviceInfo device) {
    }

    /**
     * The device is open and the engine loaded; nothing is measured yet.
     *
     * @param spec        the spec as the result will record it: the price used, automatic limits made concrete
     * @param environment the device, host and software
     */
    default void started(RunSpec spec, Environment environment) {
    }

    /**
     * A point is about to be measured.
     *
     * @param point how the point is named ({@link ScenarioPoint#label()})
     * @param index 0-based
     * @param total points the run will measure; 0 where that is not known ahead (a search)
     */
    default void pointStarted(String point, int index, int total) {
    }

    /** How far the current point has got. */
    default void progress(PointProgress progress) {
    }

    /**
     * The device's telemetry so far, just before each {@link #pointFinished}: the windows of the points measured, so
     * that a partial result keeps their power and energy (the run's last ECC reading comes only with
     * {@link #finished}).
     */
    default void telemetry(DeviceTelemetry soFar) {
    }

    /** A point is measured. */
    default void pointFinished(ScenarioPoint point, int index, int total) {
    }

    /**
     * The run ended, completely or not ({@link Result#complete()}): the points measured so far. Called before an
     * exception that stopped the run propagates, so that nothing measured is lost.
     */
    default void finished(Result result) {
    }

    /** Several listeners heard as one, each event passed to each in order; every one hears the end. */
    static RunListener all(RunListener... listeners) {
        List<RunListener> all = List.of(listeners);
        return new RunListener() {
            @Override
            public void loading(RunSpec spec, DeviceInfo device) {
                all.forEach(l -> l.loading(spec, device));
            }

            @Override
            public void started(RunSpec spec, Environment environment) {
                all.forEach(l -> l.started(spec, environment));
            }

            @Override
            public void pointStarted(String point, int index, int total) {
                all.forEach(l -> l.pointStarted(point, index, total));
            }

            @Override
            public void progress(PointProgress progress) {
                all.forEach(l -> l.progress(progress));
            }

            @Override
            public void telemetry(DeviceTelemetry soFar) {
                all.forEach(l -> l.telemetry(soFar));
            }

            @Override
            public void pointFinished(ScenarioPoint point, int index, int total) {
                all.forEach(l -> l.pointFinished(point, index, total));
            }

            /** Every listener hears the end even if an earlier one throws (a saver must keep a partial result). */
            @Override
            public void finished(Result result) {
                RuntimeException first = null;
                for (RunListener l : all) {
                    try {
                        l.finished(result);
                    } catch (RuntimeException e) {
                        if (first == null) {
                            first = e;
                        } else {
                            first.addSuppressed(e);
                        }
                    }
                }
                if (first != null) {
                    throw first;
                }
            }
        };
    }
}
