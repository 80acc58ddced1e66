package dev.tokenmeter.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.backend.MemoryPlan;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.PointProgress;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunListener;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.scenario.serving.ServingSpec;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.metrics.SloSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The one runner, for both scenarios, on the CPU backend with the tiny model: what a {@link RunListener} hears, in
 * order, from a run that completes and from one whose engine fails part-way, which still hands the points already
 * measured to {@link RunListener#finished} before the failure reaches the caller.
 */
class ScenarioRunnerTest {
    private static final Pattern SERVING_STATUS = Pattern.compile("\\d+/6 requests, \\d+ steps");
    private static Backend cpu;

    @BeforeAll
    static void open() {
        cpu = Backends.select("cpu").open(2);
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    private static RunSpec offline() {
        return Benchmark.offline().model("tiny").backend("cpu").threads(2).batchSizes(1, 2).promptLengths(8)
                .outputLengths(4).measurement(new MeasurementPolicy(0, 2, 2, 0)).spec();
    }

    private static RunSpec serving() {
        return Benchmark.serving().model("tiny").backend("cpu").threads(2).rates(400, 800).requests(6)
                .promptLengths(LengthDistribution.fixed(8)).outputLengths(LengthDistribution.fixed(3))
                .warmupRequests(1).spec();
    }

    /**
     * Every event as a line (progress lines by kind), checking each as it comes: indexes count up from 0 and a
     * point finishes under the label it started with.
     */
    private static class Recorder implements RunListener {
        final List<String> events = new ArrayList<>();
        final List<ScenarioPoint> points = new ArrayList<>();
        RunSpec spec;
        Result finished;
        private String current;

        @Override
        public void loading(RunSpec s, DeviceInfo device) {
            events.add("loading " + s.model().name() + " on " + device.backend());
        }

        @Override
        public void started(RunSpec s, Environment environment) {
            spec = s;
            assertNotNull(environment.device());
            events.add("started " + s.scenario().type().name() + " on " + environment.device().backend());
        }

        @Override
        public void pointStarted(String point, int index, int total) {
            assertEquals(points.size(), index, "indexes count the points heard so far");
            current = point;
            events.add("pointStarted " + index + "/" + total + " " + point);
        }

        @Override
        public void progress(PointProgress progress) {
            assertEquals(current, progress.point(), "progress names the point being measured");
            assertTrue(progress.fraction() >= 0 && progress.fraction() <= 1, progress.toString());
            String line = "progress " + (progress.milestone() ? "milestone" : "update");
            // Several updates of a point in a row are one line: how many depends on the machine's speed.
            if (!line.equals(events.get(events.size() - 1))) {
                events.add(line);
            }
            if (!progress.milestone()) {
                assertTrue(SERVING_STATUS.matcher(progress.status()).matches(), progress.status());
            }
        }

        @Override
        public void pointFinished(ScenarioPoint point, int index, int total) {
            assertEquals(current, point.label());
            assertEquals(points.size(), index);
            points.add(point);
            events.add("pointFinished " + index + "/" + total + " " + point.label());
        }

        @Override
        public void finished(Result result) {
            finished = result;
            events.add("finished " + result.complete() + " with " + result.points().size() + " points");
        }
    }

    @Test
    void anOfflineRunIsHeardFromStartToFinish() {
        Recorder rec = new Recorder();
        Result r = ScenarioRunner.run(offline(), cpu, rec);
        assertEquals(List.of(
                "loading tiny on cpu", "started offline on cpu",
                "pointStarted 0/2 batch 1, prompt 8, output 4", "progress milestone",
                "pointFinished 0/2 batch 1, prompt 8, output 4",
                "pointStarted 1/2 batch 2, prompt 8, output 4", "progress milestone",
                "pointFinished 1/2 batch 2, prompt 8, output 4",
                "finished true with 2 points"), rec.events);
        assertSame(r, rec.finished);
        assertEquals(r.spec(), rec.spec, "started hears the spec the result records");
        assertEquals(r.points(), rec.points, "each point as the result holds it");
    }

    @Test
    void aServingRunIsHeardFromStartToFinish() {
        Recorder rec = new Recorder();
        Result r = ScenarioRunner.run(serving(), cpu, rec);
        assertEquals(List.of(
                "loading tiny on cpu", "started serving on cpu",
                "pointStarted 0/2 rate 400", "progress update", "pointFinished 0/2 rate 400",
                "pointStarted 1/2 rate 800", "progress update", "pointFinished 1/2 rate 800",
                "finished true with 2 points"), rec.events);
        assertSame(r, rec.finished);
        assertTrue(r.complete());
        assertEquals(r.spec(), rec.spec);
        assertEquals(256, ((ServingSpec) rec.spec.scenario()).maxTokensPerStep(),
                "started hears the spec with the CPU's step budget made concrete");
        assertEquals(r.points(), rec.points);
    }

    @Test
    void anOfflineRunWhoseEngineFailsStillReportsItsFirstPoint() {
        assertAFailingEngineLeavesAPartialResult(offline(), "batch 1, prompt 8, output 4",
                "batch 2, prompt 8, output 4");
    }

    @Test
    void aServingRunWhoseEngineFailsStillReportsItsFirstPoint() {
        assertAFailingEngineLeavesAPartialResult(serving(), "rate 400", "rate 800");
    }

    /** A search that fails in its second probe still says what its first one found. */
    @Test
    void aSearchWhoseEngineFailsSaysItsAnswerSoFar() {
        RunSpec search = Benchmark.serving().model("tiny").backend("cpu").threads(2).search(400, 800).requests(6)
                .promptLengths(LengthDistribution.fixed(8)).outputLengths(LengthDistribution.fixed(3))
                .slo(SloSet.parse("e2e=10s")).warmupRequests(1).spec();
        Result partial = assertAFailingEngineLeavesAPartialResult(search, "search 400", "search 800");
        // Found by its words: on a busy host, the host's warning comes after it.
        String answer = partial.warnings().stream().filter(w -> w.startsWith("SLO search:")).findFirst()
                .orElseThrow(() -> new AssertionError(partial.warnings().toString()));
        assertTrue(answer.startsWith("SLO search: highest rate meeting e2e"), answer);
        assertTrue(answer.contains("stopped early, after 1 probe: the answer so far"), answer);
    }

    /** The engine fails at the first step after the first point is measured, in the second point. */
    private static Result assertAFailingEngineLeavesAPartialResult(RunSpec spec, String first, String second) {
        FailingBackend failing = new FailingBackend(cpu);
        Recorder rec = new Recorder() {
            @Override
            public void pointFinished(ScenarioPoint point, int index, int total) {
                super.pointFinished(point, index, total);
                failing.armed.set(true);
            }
        };
        AtomicBoolean finishedBeforeThrow = new AtomicBoolean();
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> {
            try {
                ScenarioRunner.run(spec, failing, rec);
            } finally {
                finishedBeforeThrow.set(rec.finished != null);
            }
        });
        assertSame(failing.failure, thrown, "the engine's own exception reaches the caller");
        assertTrue(finishedBeforeThrow.get(), "finished was heard before the exception left the runner");
        List<String> events = rec.events;
        // A search does not know its total ahead: 0.
        int total = second.startsWith("search") ? 0 : 2;
        assertEquals("pointFinished 0/" + total + " " + first, events.get(events.size() - 3), events.toString());
        assertEquals("pointStarted 1/" + total + " " + second, events.get(events.size() - 2), events.toString());
        assertEquals("finished false with 1 points", events.get(events.size() - 1));
        Result partial = rec.finished;
        assertFalse(partial.complete());
        assertEquals(1, partial.points().size());
        assertEquals(first, partial.points().get(0).label());
        assertSame(rec.points.get(0), partial.points().get(0));
        assertTrue(partial.warnings().contains("the run failed: " + failing.failure), partial.warnings().toString());
        assertTrue(partial.warnings().contains("the run stopped after 1" + (total > 0 ? " of " + total : "")
                + " points"), partial.warnings().toString());
        assertTrue(failing.engineClosed, "the engine is closed when the run fails");
        return partial;
    }

    /** The CPU backend, whose engines fail at their next step once armed. */
    private static final class FailingBackend implements Backend {
        final Backend delegate;
        final AtomicBoolean armed = new AtomicBoolean();
        final IllegalStateException failure = new IllegalStateException("engine failed");
        boolean engineClosed;

        FailingBackend(Backend delegate) {
            this.delegate = delegate;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public DeviceInfo device() {
            return delegate.device();
        }

        @Override
        public int kvBytesPerElement() {
            return delegate.kvBytesPerElement();
        }

        @Override
        public MemoryPlan plan(ModelConfig model, EngineOptions options) {
            return delegate.plan(model, options);
        }

        @Override
        public Engine load(ModelConfig model, EngineOptions options) {
            Engine engine = delegate.load(model, options);
            return new Engine() {
                @Override
                public ModelConfig model() {
                    return engine.model();
                }

                @Override
                public EngineOptions options() {
                    return engine.options();
                }

                @Override
                public int kvBytesPerElement() {
                    return engine.kvBytesPerElement();
                }

                @Override
                public StepResult step(StepBatch batch) {
                    if (armed.get()) {
                        throw failure;
                    }
                    return engine.step(batch);
                }

                @Override
                public void close() {
                    engineClosed = true;
                    engine.close();
                }
            };
        }

        @Override
        public void close() {
            // The shared backend is closed by the class.
        }
    }
}
