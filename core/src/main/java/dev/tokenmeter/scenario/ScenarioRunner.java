package dev.tokenmeter.scenario;

import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.BackendProvider;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.endpoint.EndpointBackend;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.measure.HostActivity;
import dev.tokenmeter.measure.HostSnapshot;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.PointProgress;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunListener;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.result.ScenarioRun;
import dev.tokenmeter.result.ScenarioSpec;
import dev.tokenmeter.result.ScenarioType;
import dev.tokenmeter.telemetry.DeviceTelemetry;
import dev.tokenmeter.telemetry.TelemetrySession;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs any scenario: selects and opens the backend, makes the spec's automatic values concrete for the device,
 * loads the engine the scenario asks for, lets the scenario measure its points, and builds the {@link Result},
 * telling a {@link RunListener} as it goes. A run that fails still hands the points it measured to
 * {@link RunListener#finished} (marked incomplete) before the failure propagates. The result's environment records
 * what else the host did during the run ({@link HostActivity}), and a busy host is a run-level warning; and what the
 * device did ({@link DeviceTelemetry}: a window of power, energy, clocks and throttling per point on a GPU, or why
 * that is not known), from a {@link TelemetrySession} opened once the engine's device is known.
 */
public final class ScenarioRunner {
    private ScenarioRunner() {
    }

    /** Opens the spec's backend (the scenario's own, or the one it names, "auto" included), runs, and closes it. */
    public static Result run(RunSpec spec, RunListener listener) {
        try (Backend backend = open(spec)) {
            return run(spec, backend, listener);
        }
    }

    /**
     * The backend {@code spec} runs on, opened: its scenario's own where it has one (an endpoint's deployment,
     * {@link ScenarioType#ownBackend}), else the one it names.
     */
    public static Backend open(RunSpec spec) {
        Backend own = ScenarioType.ownBackendOf(spec);
        if (own != null) {
            return own;
        }
        BackendProvider provider = Backends.select(spec.backend(), spec.model());
        return provider.open(spec.threads());
    }

    /** Runs on an opened backend, which stays open. */
    public static Result run(RunSpec spec, Backend backend, RunListener listener) {
        return run(spec, backend, listener, HostSnapshot::read);
    }

    /**
     * {@link #run(RunSpec, Backend, RunListener)} with the host's counters read by {@code host}, once when the run
     * starts and once when it ends (tests feed recorded ones).
     */
    static Result run(RunSpec spec, Backend backend, RunListener listener, Supplier<HostSnapshot> host) {
        return run(spec, backend, listener, host, TelemetrySession::open);
    }

    /**
     * {@link #run(RunSpec, Backend, RunListener, Supplier)} with the device's telemetry session opened by
     * {@code telemetry} (tests give a fake GPU's).
     */
    static Result run(RunSpec spec, Backend backend, RunListener listener, Supplier<HostSnapshot> host,
            Function<DeviceInfo, TelemetrySession> telemetry) {
        Objects.requireNonNull(listener, "listener");
        return run(spec.scenario().type(), spec, backend, listener, host, telemetry);
    }

    private static <S extends ScenarioSpec, P extends ScenarioPoint> Result run(ScenarioType<S, P> type,
            RunSpec asked, Backend backend, RunListener listener, Supplier<HostSnapshot> host,
            Function<DeviceInfo, TelemetrySession> telemetry) {
        HostSnapshot before = host.get();
        DeviceInfo device = backend.device();
        S scenario = type.resolve(type.specType().cast(asked.scenario()), device);
        Price price = asked.price() != null ? asked.price() : PricePresets.forDevice(device);
        RunSpec spec = asked.withScenario(scenario).withPrice(price);
        Run<S, P> run = new Run<>(type, spec, scenario, device, price, listener);
        if (price == null) {
            run.warn(EndpointBackend.NAME.equals(device.backend())
                    ? "an endpoint has no price preset: cost figures left out (--price gives the price per"
                            + " device-hour of the devices behind it, --devices their number)"
                    : "no price preset matches device '" + device.name() + "': cost figures left out");
        }
        Environment environment = Environment.capture(device);
        String started = Instant.now().toString();
        boolean complete = false;
        Result result = null;
        listener.loading(spec, device);
        // A scenario on its own backend (an endpoint) loads no engine here.
        boolean local = type.ownBackend(scenario) == null;
        run.telemetry = openTelemetry(telemetry, device);
        try (Engine engine = local ? backend.load(spec.model(), type.engineOptions(spec.seed(), scenario)) : null) {
            run.engine = engine;
            listener.started(spec, environment);
            type.run(run);
            complete = true;
        } catch (RuntimeException | Error e) {
            run.warn("the run failed: " + e);
            throw e;
        } finally {
            if (!complete) {
                run.warn("the run stopped after " + run.points.size() + (run.total > 0 ? " of " + run.total : "")
                        + " points");
                run.warnings.addAll(type.partialWarnings(scenario, run.points));
            }
            // What else the host did meanwhile: a busy host's figures look like a slower code's.
            HostActivity activity = HostActivity.between(before, host.get());
            if (activity.busy()) {
                run.warn(activity.warning());
            }
            DeviceTelemetry deviceTelemetry = run.telemetry.finish();
            // Built on failure too, so that a listener can keep the points already measured.
            result = Result.of(started, Instant.now().toString(), complete, spec,
                    environment.withHost(activity).withTelemetry(deviceTelemetry), run.points, run.warnings);
            listener.finished(result);
        }
        return result;
    }

    /** The device's telemetry session; a failure to open one is its reason, never the run's failure. */
    private static TelemetrySession openTelemetry(Function<DeviceInfo, TelemetrySession> telemetry,
            DeviceInfo device) {
        try {
            return Objects.requireNonNull(telemetry.apply(device), "telemetry session");
        } catch (RuntimeException | LinkageError e) {
            return TelemetrySession.unavailable("telemetry could not start: " + e);
        }
    }

    /**
     * One run's state: what the scenario is given, and what it hands back. Each point is a telemetry window, from
     * its start (or the end of its warm-up) to its end; the window is closed with the point's rates, for its energy
     * per token and per query.
     */
    private static final class Run<S extends ScenarioSpec, P extends ScenarioPoint> implements ScenarioRun<S, P> {
        private final ScenarioType<S, P> type;
        private final RunSpec spec;
        private final S scenario;
        private final DeviceInfo device;
        private final Price price;
        private final RunListener listener;
        private final List<P> points = new ArrayList<>();
        private final List<String> warnings = new ArrayList<>();
        private Engine engine;
        private int total;
        private TelemetrySession telemetry = TelemetrySession.unavailable("the run ended before its telemetry began");

        Run(ScenarioType<S, P> type, RunSpec spec, S scenario, DeviceInfo device, Price price, RunListener listener) {
            this.type = type;
            this.spec = spec;
            this.scenario = scenario;
            this.device = device;
            this.price = price;
            this.listener = listener;
        }

        @Override
        public RunSpec spec() {
            return spec;
        }

        @Override
        public S scenario() {
            return scenario;
        }

        @Override
        public Engine engine() {
            return engine;
        }

        @Override
        public DeviceInfo device() {
            return device;
        }

        @Override
        public Price price() {
            return price;
        }

        @Override
        public void pointStarted(String label, int index, int total) {
            this.total = total;
            telemetry.begin(label);
            listener.pointStarted(label, index, total);
        }

        @Override
        public void progress(PointProgress progress) {
            listener.progress(progress);
        }

        @Override
        public void measuring() {
            telemetry.restart();
        }

        @Override
        public void pointFinished(P point) {
            if (type.ranOnDevice(point)) {
                telemetry.end(type.outputTokensPerSecond(point), type.requestsPerSecond(point));
            } else {
                telemetry.end();
            }
            points.add(point);
            listener.telemetry(telemetry.soFar());
            listener.pointFinished(point, points.size() - 1, total);
        }

        @Override
        public void warn(String warning) {
            warnings.add(warning);
        }
    }
}
