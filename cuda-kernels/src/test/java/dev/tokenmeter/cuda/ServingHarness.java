package dev.tokenmeter.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.checkpoint.SyntheticPrompts;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.SequenceChunk;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.ContinuousBatcher;
import dev.tokenmeter.serving.RequestRecord;
import dev.tokenmeter.serving.SchedulingPolicy;
import dev.tokenmeter.serving.ServingLoop;
import dev.tokenmeter.serving.ServingSequence;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What {@link CudaServingGpuTest} serves with: its workloads, a driver loop that is {@link ServingLoop#openLoop}'s
 * written out (so that the batcher can be inspected afterwards) and records the logits behind each output token,
 * and an engine that computes nothing, for the checks that need no GPU.
 */
final class ServingHarness {
    private ServingHarness() {
    }

    static final long SEED = 42;
    /** The scripted clock: 1 ms per step plus 20 µs per token fed (token-independent, so the schedule is too). */
    static final long STEP_NANOS = 1_000_000;
    static final long TOKEN_NANOS = 20_000;

    /**
     * A serving workload: the engine's options (slots, context, a paged KV cache that cannot hold every request),
     * the step's token budget, and the requests.
     */
    record Workload(String preset, EngineOptions options, int stepTokens, List<Arrival> arrivals) {
        ModelConfig model() {
            return ModelPresets.get(preset);
        }

        ContinuousBatcher.Config config() {
            return new ContinuousBatcher.Config(stepTokens, options);
        }

        static Workload of(String preset) {
            return switch (preset) {
                // 4 slots of 96 positions over 16 blocks of 8 (128 positions: one full-context request and a
                // bit more); steps of 24 tokens. Rows: arrival in µs, prompt tokens, output tokens.
                case "tiny" -> new Workload(preset, EngineOptions.paged(SEED, 4, 96, 8, 16), 24, arrivals(new int[][] {
                    {0, 37, 20}, {0, 5, 30}, {1_000, 61, 12}, {3_000, 18, 25}, {4_000, 44, 16},
                    {8_000, 9, 40}, {9_000, 70, 18}, {15_000, 26, 22}, {16_000, 52, 10}, {30_000, 13, 35}}));
                // 5 slots of 256 positions over 22 blocks of 16 (352 positions); steps of 64 tokens.
                case "llama-110m" -> new Workload(preset, EngineOptions.paged(SEED, 5, 256, 16, 22), 64,
                        arrivals(new int[][] {
                            {0, 150, 24}, {0, 20, 40}, {2_000, 97, 16}, {4_000, 64, 30}, {5_000, 180, 12},
                            {10_000, 33, 36}, {12_000, 120, 20}, {20_000, 8, 48}, {21_000, 75, 28},
                            {40_000, 140, 18}}));
                default -> throw new IllegalArgumentException("no workload for preset " + preset);
            };
        }

        private static List<Arrival> arrivals(int[][] rows) {
            List<Arrival> list = new ArrayList<>();
            for (int[] r : rows) {
                list.add(new Arrival(list.size(), r[0] / 1e6, r[1], r[2]));
            }
            return List.copyOf(list);
        }
    }

    /**
     * Serves the workload on {@code engine} as {@link ServingLoop#openLoop} does (the same loop, written out here so
     * that the batcher, its pool and its slots can be inspected afterwards), on a scripted clock, asking every step for
     * its logits and keeping those that chose each output token.
     */
    static Served serve(Engine engine, Workload w) {
        TracingPolicy policy = new TracingPolicy();
        Served out = new Served(new ContinuousBatcher(w.config(), policy), w);
        ServingLoop.ScriptedClock clock = new ServingLoop.ScriptedClock(STEP_NANOS, TOKEN_NANOS);
        int vocab = engine.model().vocab();
        List<Arrival> arrivals = w.arrivals();
        int next = 0;
        while (next < arrivals.size() || !out.batcher.idle()) {
            long now = clock.nanos();
            while (next < arrivals.size() && nanos(arrivals.get(next)) <= now) {
                Arrival a = arrivals.get(next++);
                out.batcher.arrive(a, nanos(a), SyntheticPrompts.prompt(SEED, a.id(), a.promptLength(), vocab));
            }
            out.peakInFlight = Math.max(out.peakInFlight, next - out.batcher.finished().size());
            StepBatch step = out.batcher.nextStep(clock.nanos());
            if (step == null) {
                assertTrue(next < arrivals.size(), "the scheduler has requests but cannot run a step");
                clock.sleepUntil(nanos(arrivals.get(next)));
                continue;
            }
            // Logits change nothing the step computes: they are copied back after it.
            StepResult r = engine.step(new StepBatch(step.chunks(), true));
            out.record(step, r, policy);
            clock.afterStep(step, r);
            out.batcher.complete(r, clock.nanos());
        }
        out.endNanos = clock.nanos();
        return out;
    }

    static long nanos(Arrival a) {
        return Math.round(a.atSeconds() * 1e9);
    }

    /** What a served run left: the batcher, each step's shape, the logits behind each output token, some counts. */
    static final class Served {
        final ContinuousBatcher batcher;
        final int blockSize;
        /** Per step, its chunks: request, slot, first position, length, blocks used. */
        final List<String> steps = new ArrayList<>();
        /** Per request id, per output token, the logits that chose it. */
        final float[][][] logits;
        boolean keptLogits = true;
        /** Prompt chunks after a request's first: chunked prefill. */
        int continuedPrompts;
        /** Steps with a decode and a prompt (or recompute) chunk together. */
        int mixedSteps;
        /** Recomputes of requests preempted after their first output token. */
        int recomputedOutputs;
        long endNanos;
        /** The most requests arrived and not yet completed at one time, counted as the serving loop counts it. */
        int peakInFlight;

        Served(ContinuousBatcher batcher, Workload w) {
            this.batcher = batcher;
            this.blockSize = w.options().kvBlockSize();
            this.logits = new float[w.arrivals().size()][][];
            for (Arrival a : w.arrivals()) {
                logits[a.id()] = new float[a.outputLength()][];
            }
        }

        float[][] logits(int id) {
            return logits[id];
        }

        /** Called after the engine ran {@code step} and before the batcher takes its tokens. */
        void record(StepBatch step, StepResult r, TracingPolicy policy) {
            List<String> chunks = new ArrayList<>();
            boolean decode = false;
            boolean prompt = false;
            for (int i = 0; i < step.size(); i++) {
                SequenceChunk c = step.chunks().get(i);
                ServingSequence s = policy.inSlot(c.slot());
                int id = s.arrival().id();
                assertEquals(s.cached(), c.startPosition(), "request " + id + " must go on from its first uncached"
                        + " position");
                int used = (int) ((c.endPosition() + blockSize - 1) / blockSize);
                chunks.add(String.format(Locale.ROOT, "r%d@%d:%d+%d%s", id, c.slot(), c.startPosition(), c.length(),
                        Arrays.toString(Arrays.copyOf(c.blockTable(), used))));
                if (c.startPosition() == 0 && s.generated() > 0) {
                    recomputedOutputs++;
                }
                if (c.startPosition() > 0 && c.startPosition() < s.arrival().promptLength()) {
                    continuedPrompts++;
                }
                if (c.length() == 1 && s.generated() > 0 && c.startPosition() == s.length() - 1) {
                    decode = true;
                } else {
                    prompt = true;
                }
                // A chunk that reaches the request's last known token chooses its next output token.
                if (c.endPosition() == s.length()) {
                    if (r.logits() == null) {
                        keptLogits = false;
                    } else {
                        logits[id][s.generated()] = r.logits()[i];
                    }
                }
            }
            if (decode && prompt) {
                mixedSteps++;
            }
            steps.add(String.join(" ", chunks));
        }

        String summary() {
            int outputs = 0;
            for (RequestRecord r : batcher.finished()) {
                outputs += r.outputTokens().length;
            }
            return String.format(Locale.ROOT, "%d requests, %d output tokens, %d steps (%d mixing decodes and prompt"
                    + " chunks), %d later prompt chunks, %d preemptions (%d recomputes of requests with output)",
                    batcher.finished().size(), outputs, steps.size(), mixedSteps, continuedPrompts,
                    batcher.preemptions(), recomputedOutputs);
        }
    }

    /**
     * First come, first served, remembering every request it is shown: all of them pass through the waiting list
     * before they run, so that each chunk of a step can be traced to its request by the slot it holds.
     */
    static final class TracingPolicy implements SchedulingPolicy {
        private final Set<ServingSequence> seen = Collections.newSetFromMap(new IdentityHashMap<>());

        @Override
        public int nextToAdmit(List<ServingSequence> waiting) {
            seen.addAll(waiting);
            return FIRST_COME_FIRST_SERVED.nextToAdmit(waiting);
        }

        @Override
        public int victim(List<ServingSequence> running) {
            seen.addAll(running);
            return FIRST_COME_FIRST_SERVED.victim(running);
        }

        /** The request holding {@code slot} now. */
        ServingSequence inSlot(int slot) {
            ServingSequence found = null;
            for (ServingSequence s : seen) {
                if (s.slot() == slot) {
                    assertNull(found, "two requests hold slot " + slot);
                    found = s;
                }
            }
            assertNotNull(found, "no request holds slot " + slot);
            return found;
        }
    }

    /**
     * An engine that computes nothing: its next token is a function of the position, and it refuses what a real
     * engine could not survive (a chunk past its limits or its block table, a block shared by two chunks of a step).
     */
    static final class ScheduleOnly implements Engine {
        private final ModelConfig model;
        private final EngineOptions options;

        ScheduleOnly(ModelConfig model, EngineOptions options) {
            this.model = model;
            this.options = options;
        }

        @Override
        public ModelConfig model() {
            return model;
        }

        @Override
        public EngineOptions options() {
            return options;
        }

        @Override
        public int kvBytesPerElement() {
            return 2;
        }

        @Override
        public StepResult step(StepBatch batch) {
            batch.validate(model.vocab(), options);
            BitSet blocks = new BitSet();
            int[] next = new int[batch.size()];
            for (int i = 0; i < batch.size(); i++) {
                SequenceChunk c = batch.chunks().get(i);
                long used = (c.endPosition() + options.kvBlockSize() - 1) / options.kvBlockSize();
                for (int b = 0; b < used; b++) {
                    int block = c.blockTable()[b];
                    assertTrue(!blocks.get(block), "block " + block + " held by two sequences in one step");
                    blocks.set(block);
                }
                next[i] = (int) (c.endPosition() % model.vocab());
            }
            return new StepResult(next, null, 0);
        }

        @Override
        public void close() {
        }
    }
}
