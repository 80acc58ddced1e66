package dev.tokenmeter.cuda;

import static dev.tokenmeter.cuda.ServingHarness.SEED;
import static dev.tokenmeter.cuda.ServingHarness.STEP_NANOS;
import static dev.tokenmeter.cuda.ServingHarness.TOKEN_NANOS;
import static dev.tokenmeter.cuda.ServingHarness.serve;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tokenmeter.checkpoint.SyntheticPrompts;
import dev.tokenmeter.cpu.CpuBackend;
import dev.tokenmeter.cuda.ServingHarness.ScheduleOnly;
import dev.tokenmeter.cuda.ServingHarness.Served;
import dev.tokenmeter.cuda.ServingHarness.Workload;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.SequenceChunk;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.ContinuousBatcher;
import dev.tokenmeter.serving.RequestRecord;
import dev.tokenmeter.serving.SchedulingPolicy;
import dev.tokenmeter.serving.ServingLoop;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The continuous-batching scheduler over the CUDA engine. A mixed workload (ragged prompts arriving over time, a
 * step budget that cuts prompts into chunks, a KV cache too small for all requests at once, so that some are
 * preempted and recomputed) is served on a scripted clock, and:
 * <ol>
 *   <li>every request finishes with exactly its output length, and at the end every KV block and slot is free;</li>
 *   <li>the logits behind each output token match those of the same request decoded alone on the GPU and fed the
 *       same tokens, to the forward checks' tolerance (below). Same backend, but not the same arithmetic, so not
 *       bit for bit: the kernels depend on the batch (GEMV up to 4 rows, tensor-core products above, split K where
 *       a product has few tiles; the decode attention's context splits depend on the batch size) and decodes that
 *       share a step with a prompt chunk, like recomputes, go through the prefill attention, whose probabilities
 *       are bf16;</li>
 *   <li>the same schedule run by the CPU engine, with the GPU engine fed the CPU's tokens at every step, gives GPU
 *       logits within the forward checks' tolerance of the CPU's at every step ({@link ForwardChecks}: bf16
 *       activations and KV cache against the CPU's fp32; the CPU's tokens steer both, so that one argmax tipped by
 *       rounding cannot fork the runs and leave the rest unchecked).</li>
 * </ol>
 * Greedy tokens are compared as well: the GPU's must equal the reference's, except where the reference's top two
 * logits lie within that tolerance of each other (a tie that bf16 rounding may break either way; each one is
 * printed). Against the CPU, tokens are compared up to each request's first such tie, after which the two runs
 * feed different tokens.
 *
 * <p>The schedule depends on lengths and the scripted clock only, never on token values, so the GPU and the CPU run
 * step through the same batches (checked). The GPU test skips, with the probe's reason, where no usable GPU is
 * found; the workloads' own properties (chunking, preemption, this test's driver loop being {@link ServingLoop}'s)
 * are checked everywhere, on an engine that computes nothing.
 */
class CudaServingGpuTest {
    private static CudaBackend backend;

    @BeforeAll
    static void open() {
        if (CudaProbe.result().ready()) {
            backend = (CudaBackend) new CudaBackendProvider().open();
        }
    }

    @AfterAll
    static void close() {
        if (backend != null) {
            backend.close();
        }
    }

    /** Checked everywhere: what the GPU test relies on its workloads to do, on an engine that computes nothing. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tiny", "llama-110m"})
    void theWorkloadsChunkPromptsAndPreemptThroughServingLoopsLoop(String preset) {
        Workload w = Workload.of(preset);
        Served s = serve(new ScheduleOnly(w.model(), w.options()), w);
        assertServedEveryRequest(w, s);
        assertTrue(s.batcher.preemptions() > 0, "the KV cache must be small enough to preempt: " + s.summary());
        assertTrue(s.recomputedOutputs > 0, "some request must be preempted after its first output tokens, so that"
                + " its recompute feeds generated tokens too: " + s.summary());
        assertTrue(s.continuedPrompts > 0, "some prompt must be cut into chunks: " + s.summary());
        assertTrue(s.mixedSteps > 0, "some step must carry decodes beside a prompt chunk: " + s.summary());
        // This test's loop is ServingLoop.openLoop's, written out so that the pool can be inspected at the end.
        ServingLoop.Outcome o = ServingLoop.openLoop(new ScheduleOnly(w.model(), w.options()), w.arrivals(),
                w.config(), SchedulingPolicy.FIRST_COME_FIRST_SERVED, new ServingLoop.ScriptedClock(STEP_NANOS,
                        TOKEN_NANOS), SEED, Long.MAX_VALUE, null);
        assertEquals(o.finished(), s.batcher.finished(), "the same records as ServingLoop.openLoop");
        assertEquals(o.steps(), s.steps.size());
        assertEquals(o.preemptions(), s.batcher.preemptions());
        assertEquals(o.endNanos(), s.endNanos);
        assertEquals(o.peakInFlight(), s.peakInFlight);
        System.out.println(preset + ": " + s.summary());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tiny", "llama-110m"})
    @Tag("gpu")
    void servingOnTheGpuMatchesTheGpuAloneAndTheCpu(String preset) {
        CudaProbe.Result probe = CudaProbe.result();
        assumeTrue(probe.ready(), () -> "no GPU to serve on: " + probe.reason());
        Workload w = Workload.of(preset);
        ModelConfig m = w.model();
        List<String> failures = new ArrayList<>();

        // (1) Served on the GPU: complete, exact lengths, preempted, nothing leaked.
        Served gpu;
        try (Engine e = backend.load(m, w.options())) {
            gpu = serve(e, w);
        }
        assertServedEveryRequest(w, gpu);
        assertTrue(gpu.batcher.preemptions() > 0, "the workload must preempt on the GPU too: " + gpu.summary());
        System.out.println(preset + " served on the GPU: " + gpu.summary());
        TreeMap<Integer, int[]> gpuTokens = tokensById(gpu);

        // (2) Each request alone on the GPU, fed the served tokens: logits within tolerance, tokens equal or tied.
        int positions = 0;
        List<String> ties = new ArrayList<>();
        try (Engine alone = backend.load(m, EngineOptions.of(SEED, 1, w.options().maxContext()))) {
            for (Arrival a : w.arrivals()) {
                int[] served = gpuTokens.get(a.id());
                float[][] logits = new float[served.length][];
                int[] argmax = new int[served.length];
                StepResult r = alone.step(new StepBatch(List.of(new SequenceChunk(0, 0,
                        SyntheticPrompts.prompt(SEED, a.id(), a.promptLength(), m.vocab()))), true));
                for (int i = 0; ; i++) {
                    logits[i] = r.logits()[0];
                    argmax[i] = r.nextTokens()[0];
                    if (i == served.length - 1) {
                        break;
                    }
                    r = alone.step(new StepBatch(List.of(new SequenceChunk(0, a.promptLength() + i,
                            new int[] {served[i]})), true));
                }
                String what = "request " + a.id() + " (prompt " + a.promptLength() + ", output " + served.length + ")";
                KernelChecks.Check c = compareLogits(preset + " served vs alone", what, gpu.logits(a.id()), logits);
                System.out.println(c.line());
                if (!c.passed()) {
                    failures.add(c.line());
                }
                compareTokens("served vs alone, " + what, served, argmax, logits, served.length, ties, failures);
                positions += served.length;
            }
        }
        System.out.println(String.format(Locale.ROOT, "%s served vs alone on the GPU: %d of %d tokens equal, %d ties",
                preset, positions - ties.size(), positions, ties.size()));
        ties.forEach(t -> System.out.println("  tie: " + t));

        // (3) The same schedule on the CPU, the GPU fed the CPU's tokens: logits at every step within tolerance.
        Served cpu;
        List<KernelChecks.Check> steps;
        try (CpuBackend cpuBackend = new CpuBackend(0); Engine c = cpuBackend.load(m, w.options());
                Engine g = backend.load(m, w.options())) {
            Lockstep lockstep = new Lockstep(preset, c, g);
            cpu = serve(lockstep, w);
            steps = lockstep.checks;
        }
        assertServedEveryRequest(w, cpu);
        assertEquals(gpu.steps.size(), cpu.steps.size(), "steps of the GPU run and of the CPU run");
        for (int i = 0; i < gpu.steps.size(); i++) {
            assertEquals(cpu.steps.get(i), gpu.steps.get(i), "step " + i + " of the schedule, CPU run vs GPU run");
        }
        KernelChecks.Check worst = steps.get(0);
        for (KernelChecks.Check c : steps) {
            if (!c.passed()) {
                failures.add(c.line());
            }
            if (c.worstError() / c.allowedThere() > worst.worstError() / worst.allowedThere()) {
                worst = c;
            }
        }
        System.out.println(preset + " GPU vs CPU, " + steps.size() + " steps; the closest to its tolerance: "
                + worst.line());

        // Tokens: the GPU's own run against the CPU's, up to each request's first difference, which must be a tie.
        TreeMap<Integer, int[]> cpuTokens = tokensById(cpu);
        List<String> forks = new ArrayList<>();
        int identical = 0;
        for (Arrival a : w.arrivals()) {
            int[] want = cpuTokens.get(a.id());
            int[] got = gpuTokens.get(a.id());
            int first = 0;
            while (first < want.length && want[first] == got[first]) {
                first++;
            }
            if (first == want.length) {
                identical++;
                continue;
            }
            compareTokens("GPU run vs CPU run, request " + a.id(), got, want, cpu.logits(a.id()), first + 1, forks,
                    failures);
        }
        System.out.println(String.format(Locale.ROOT, "%s GPU run vs CPU run: %d of %d requests with identical tokens,"
                + " %d forked at a tie", preset, identical, w.arrivals().size(), forks.size()));
        forks.forEach(t -> System.out.println("  fork: " + t));
        assertTrue(failures.isEmpty(), failures.size() + " failures:\n" + String.join("\n", failures));
    }

    /** Every request finished with exactly its output length; every KV block and slot is back; logits were kept. */
    private static void assertServedEveryRequest(Workload w, Served s) {
        ContinuousBatcher b = s.batcher;
        assertTrue(b.idle(), "requests left waiting or running: " + b.unfinished());
        assertTrue(b.unfinished().isEmpty(), () -> "unfinished: " + b.unfinished());
        assertEquals(w.arrivals().size(), b.finished().size(), "finished requests");
        BitSet ids = new BitSet();
        for (RequestRecord r : b.finished()) {
            int id = r.arrival().id();
            assertTrue(!ids.get(id), "request " + id + " finished twice");
            ids.set(id);
            assertEquals(w.arrivals().get(id), r.arrival());
            assertTrue(r.completed(), "request " + id + " incomplete: " + r);
            assertEquals(r.arrival().outputLength(), r.outputTokens().length, "output tokens of request " + id);
        }
        assertEquals(w.options().kvBlocks(), b.pool().free(), "KV blocks back in the pool at the end");
        assertEquals(w.options().maxSequences(), b.freeSlots(), "slots free at the end");
        if (s.keptLogits) {
            TreeMap<Integer, int[]> byId = tokensById(s);
            for (Arrival a : w.arrivals()) {
                float[][] l = s.logits(a.id());
                int[] tokens = byId.get(a.id());
                for (int i = 0; i < l.length; i++) {
                    assertNotNull(l[i], "no logits recorded for output token " + i + " of request " + a.id());
                    // The bookkeeping check: the row recorded for output i is the one that chose token i.
                    assertEquals(max(l[i]), l[i][tokens[i]], "request " + a.id() + " output " + i + ": token "
                            + tokens[i] + " is not the argmax of the logits recorded for it");
                }
            }
        }
    }

    /**
     * Compares tokens {@code got} with a reference's argmax {@code want} at positions {@code [0, upTo)}, where both
     * were computed from the same context. A difference passes as a tie when the reference's logit of its own token
     * exceeds that of {@code got}'s by at most the two logits' tolerances together (atol + rtol·|logit| each, atol
     * relative to the row's RMS, as the forward checks): logits within the tolerance of the reference's could then
     * have chosen either. Ties go to {@code ties}, other differences to {@code failures}.
     */
    private static void compareTokens(String what, int[] got, int[] want, float[][] wantLogits, int upTo,
            List<String> ties, List<String> failures) {
        for (int i = 0; i < upTo; i++) {
            if (got[i] == want[i]) {
                continue;
            }
            float[] row = wantLogits[i];
            double atol = ForwardChecks.FORWARD_ATOL_RMS * rms(row);
            double top = row[want[i]];
            double other = row[got[i]];
            double gap = top - other;
            double allowed = 2 * atol + ForwardChecks.FORWARD_RTOL * (Math.abs(top) + Math.abs(other));
            String line = String.format(Locale.ROOT, "%s, output %d: token %d (logit %.5g) where the reference chose"
                    + " %d (logit %.5g): gap %.3g, tie allowed up to %.3g", what, i, got[i], other, want[i], top, gap,
                    allowed);
            (gap <= allowed ? ties : failures).add(line);
        }
    }

    /** The forward checks' comparison ({@link ForwardChecks}) over rows of logits, against {@code ref}. */
    private static KernelChecks.Check compareLogits(String name, String what, float[][] got, float[][] ref) {
        int vocab = ref[0].length;
        float[] g = new float[ref.length * vocab];
        double[] r = new double[ref.length * vocab];
        double ss = 0;
        int agree = 0;
        for (int i = 0; i < ref.length; i++) {
            for (int j = 0; j < vocab; j++) {
                g[i * vocab + j] = got[i][j];
                r[i * vocab + j] = ref[i][j];
                ss += (double) ref[i][j] * ref[i][j];
            }
            if (argmax(got[i]) == argmax(ref[i])) {
                agree++;
            }
        }
        double rms = Math.sqrt(ss / r.length);
        return KernelChecks.compare(name, what, g, r, ForwardChecks.FORWARD_ATOL_RMS * rms, ForwardChecks.FORWARD_RTOL,
                String.format(Locale.ROOT, "logit RMS %.3g; argmax agrees for %d of %d", rms, agree, ref.length));
    }

    private static double rms(float[] row) {
        double ss = 0;
        for (float v : row) {
            ss += (double) v * v;
        }
        return Math.sqrt(ss / row.length);
    }

    private static float max(float[] row) {
        float best = Float.NEGATIVE_INFINITY;
        for (float v : row) {
            best = Math.max(best, v);
        }
        return best;
    }

    /** Lowest index of the largest value, as the engines' greedy choice. */
    private static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }

    private static TreeMap<Integer, int[]> tokensById(Served s) {
        TreeMap<Integer, int[]> m = new TreeMap<>();
        for (RequestRecord r : s.batcher.finished()) {
            m.put(r.arrival().id(), r.outputTokens());
        }
        return m;
    }

    /**
     * The CPU engine running the steps, and the GPU engine given each same step (so the CPU's tokens) with its logits
     * compared to the CPU's as the forward checks compare them.
     */
    private static final class Lockstep implements Engine {
        private final String preset;
        private final Engine cpu;
        private final Engine gpu;
        final List<KernelChecks.Check> checks = new ArrayList<>();

        Lockstep(String preset, Engine cpu, Engine gpu) {
            this.preset = preset;
            this.cpu = cpu;
            this.gpu = gpu;
        }

        @Override
        public ModelConfig model() {
            return cpu.model();
        }

        @Override
        public EngineOptions options() {
            return cpu.options();
        }

        @Override
        public int kvBytesPerElement() {
            return cpu.kvBytesPerElement();
        }

        @Override
        public StepResult step(StepBatch batch) {
            StepBatch withLogits = new StepBatch(batch.chunks(), true);
            StepResult c = cpu.step(withLogits);
            StepResult g = gpu.step(withLogits);
            checks.add(compareLogits(preset + " GPU vs CPU", "step " + checks.size() + " (" + batch.size()
                    + " sequences, " + batch.tokenCount() + " tokens)", g.logits(), c.logits()));
            return c;
        }

        @Override
        public void close() {
            // The engines belong to the caller.
        }
    }

}
