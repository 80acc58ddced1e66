package dev.tokenmeter.serving;

import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.SequenceChunk;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Continuous batching over the engine's unified step, as serving engines do it. At each step boundary:
 * <ol>
 *   <li>every running request that is decoding feeds its last token (one token of the step's budget each); one
 *       that needs a new KV block and finds none free makes the policy preempt a running request (recompute: its
 *       blocks and slot are freed, and it waits again, first in line);</li>
 *   <li>requests part-way through their prompt continue it, then waiting requests are admitted in the policy's
 *       order while the step has token budget, a slot and KV blocks for the chunk: long prompts are cut into chunks
 *       so that they never stall the decodes (chunked prefill);</li>
 * </ol>
 * After the step, each request whose fed tokens reached its last known token gets its next output token; finished
 * requests give back their blocks and slot at once. Not thread-safe.
 */
public final class ContinuousBatcher {
    /**
     * @param maxTokensPerStep token budget of one step, decodes and prompt chunks together
     * @param options          the engine's slots, context and paged KV cache
     */
    public record Config(int maxTokensPerStep, EngineOptions options) {
        public Config {
            Objects.requireNonNull(options, "options");
            if (maxTokensPerStep < 1) {
                throw new IllegalArgumentException("maxTokensPerStep must be >= 1, got " + maxTokensPerStep);
            }
            if (options.kvBlocks() < options.blocksPerSequence()) {
                throw new IllegalArgumentException("a KV cache of " + options.kvBlocks() + " blocks of "
                        + options.kvBlockSize() + " positions cannot hold one request of the full context of "
                        + options.maxContext() + " positions (" + options.blocksPerSequence() + " blocks)");
            }
        }
    }

    private final Config config;
    private final SchedulingPolicy policy;
    private final KvBlockPool pool;
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    /** Waiting, in arrival order; preempted requests go back to the front. */
    private final List<ServingSequence> waiting = new ArrayList<>();
    /** Running, in admission order. */
    private final List<ServingSequence> running = new ArrayList<>();
    private final List<RequestRecord> finished = new ArrayList<>();
    private long admissions;
    private long preemptions;
    /** The sequences of the step handed out and not yet completed, in chunk order. */
    private List<ServingSequence> inFlight;
    private List<Integer> inFlightFed;

    public ContinuousBatcher(Config config, SchedulingPolicy policy) {
        this.config = Objects.requireNonNull(config, "config");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.pool = new KvBlockPool(config.options().kvBlocks());
        for (int s = 0; s < config.options().maxSequences(); s++) {
            freeSlots.addLast(s);
        }
    }

    /** A request arrives: it waits for admission. Returns its sequence, which a live server follows and cancels. */
    public ServingSequence arrive(Arrival arrival, long arrivalNanos, int[] prompt) {
        if ((long) arrival.promptLength() + arrival.outputLength() > config.options().maxContext()) {
            throw new IllegalArgumentException("request " + arrival.id() + " needs " + arrival.promptLength() + " + "
                    + arrival.outputLength() + " positions; the engine's context is "
                    + config.options().maxContext());
        }
        ServingSequence s = new ServingSequence(arrival, arrivalNanos, prompt);
        waiting.add(s);
        return s;
    }

    /**
     * Withdraws a request that is waiting or running (its client went away): its slot and KV blocks are free at
     * once and it leaves no record. Only between steps. Returns false when it is not here (finished, or never
     * arrived).
     */
    public boolean cancel(ServingSequence s) {
        if (inFlight != null) {
            throw new IllegalStateException("a request cannot be cancelled while a step is in flight");
        }
        if (waiting.remove(s)) {
            // A preempted request waiting again holds nothing.
            return true;
        }
        if (!running.remove(s)) {
            return false;
        }
        for (int b : s.blocks()) {
            pool.release(b);
        }
        freeSlots.addLast(s.slot());
        s.release();
        return true;
    }

    /** KV blocks held by running requests. */
    public int usedBlocks() {
        return pool.capacity() - pool.free();
    }

    /**
     * Records of the requests finished since the last call, which leave this batcher: a live server drains them
     * so that they do not pile up ({@link #finished()} then holds only those not drained).
     */
    public List<RequestRecord> drainFinished() {
        List<RequestRecord> out = new ArrayList<>(finished);
        finished.clear();
        return out;
    }

    public boolean idle() {
        return waiting.isEmpty() && running.isEmpty();
    }

    public int waitingCount() {
        return waiting.size();
    }

    public int runningCount() {
        return running.size();
    }

    public long preemptions() {
        return preemptions;
    }

    public KvBlockPool pool() {
        return pool;
    }

    public int freeSlots() {
        return freeSlots.size();
    }

    /** Records of the requests finished so far, in completion order. */
    public List<RequestRecord> finished() {
        return Collections.unmodifiableList(finished);
    }

    /** Records of requests not finished (the run ended first): what they produced so far. */
    public List<RequestRecord> unfinished() {
        List<RequestRecord> out = new ArrayList<>();
        for (ServingSequence s : running) {
            out.add(s.record());
        }
        for (ServingSequence s : waiting) {
            out.add(s.record());
        }
        return out;
    }

    /**
     * The next step, or null when nothing can run (nothing waiting and nothing running); {@code nowNanos} is the
     * host time, recorded as the admission time of the requests the step admits.
     */
    public StepBatch nextStep(long nowNanos) {
        if (inFlight != null) {
            throw new IllegalStateException("the previous step was not completed");
        }
        StepBatch step = buildStep(nowNanos);
        // Every running request part-way through its prompt and none with a free block to go on: give one's blocks
        // back (recompute later) until another can move. The pool holds one full-context request, so one always can.
        while (step == null && running.size() > 1) {
            preempt(running.get(policy.victim(Collections.unmodifiableList(running))));
            step = buildStep(nowNanos);
        }
        return step;
    }

    private StepBatch buildStep(long nowNanos) {
        int bs = config.options().kvBlockSize();
        int budget = config.maxTokensPerStep();
        List<ServingSequence> seqs = new ArrayList<>();
        List<Integer> fed = new ArrayList<>();
        // 1. Decodes, in admission order; a request may be preempted for another's block, or for its own.
        for (ServingSequence s : new ArrayList<>(running)) {
            if (budget == 0) {
                break;
            }
            if (!running.contains(s) || s.pending() != 1 || s.cached() < s.arrival().promptLength()) {
                continue;  // preempted meanwhile, or still in its prompt (or its recompute)
            }
            if (!reserve(s, s.cached() + 1, seqs)) {
                continue;  // s itself was preempted
            }
            seqs.add(s);
            fed.add(1);
            budget--;
        }
        // 2. Prompt chunks: running requests part-way through first, then admissions.
        for (ServingSequence s : new ArrayList<>(running)) {
            if (budget == 0) {
                break;
            }
            if (seqs.contains(s) || s.pending() == 0) {
                continue;
            }
            int n = fitChunk(s, budget);
            if (n > 0) {
                seqs.add(s);
                fed.add(n);
                budget -= n;
            }
        }
        while (budget > 0 && !waiting.isEmpty() && !freeSlots.isEmpty()) {
            int idx = policy.nextToAdmit(Collections.unmodifiableList(waiting));
            ServingSequence s = waiting.get(idx);
            // Admit only with blocks to spare beyond one per running request (the watermark that keeps the next
            // steps' decodes from preempting at once what was just admitted).
            int spare = pool.free() - running.size();
            int n = Math.min(Math.min(s.pending(), budget), spare * bs);
            if (n <= 0) {
                break;
            }
            waiting.remove(idx);
            s.admit(freeSlots.pollFirst(), admissions++, nowNanos);
            running.add(s);
            int fit = fitChunk(s, n);
            if (fit == 0) {
                break;  // cannot happen: the blocks were counted above
            }
            seqs.add(s);
            fed.add(fit);
            budget -= fit;
        }
        if (seqs.isEmpty()) {
            return null;
        }
        List<SequenceChunk> chunks = new ArrayList<>(seqs.size());
        for (int i = 0; i < seqs.size(); i++) {
            ServingSequence s = seqs.get(i);
            int from = s.cached();
            int n = fed.get(i);
            int[] toks = java.util.Arrays.copyOfRange(s.tokens(), from, from + n);
            int[] table = s.blocks().stream().mapToInt(Integer::intValue).toArray();
            chunks.add(new SequenceChunk(s.slot(), from, toks, table));
        }
        inFlight = seqs;
        inFlightFed = fed;
        return StepBatch.of(chunks);
    }

    /**
     * Reserves blocks so that {@code s} covers positions {@code [0, end)}, preempting others not yet in this step (or
     * {@code s}) when the pool runs dry. Returns false when {@code s} itself was preempted.
     */
    private boolean reserve(ServingSequence s, int end, List<ServingSequence> scheduled) {
        int bs = config.options().kvBlockSize();
        int needed = (end + bs - 1) / bs;
        while (s.blocks().size() < needed) {
            if (pool.free() == 0) {
                // Never a request already in this step: its chunk is built.
                List<ServingSequence> candidates = new ArrayList<>(running);
                candidates.removeAll(scheduled);
                ServingSequence victim = candidates.get(policy.victim(Collections.unmodifiableList(candidates)));
                preempt(victim);
                if (victim == s) {
                    return false;
                }
                continue;
            }
            s.blocks().add(pool.allocate());
        }
        return true;
    }

    /**
     * Tokens of {@code s}'s pending prompt that fit in the budget and in free blocks (allocated here); no
     * preemption.
     */
    private int fitChunk(ServingSequence s, int budget) {
        int bs = config.options().kvBlockSize();
        int n = Math.min(s.pending(), budget);
        int haveUpTo = s.blocks().size() * bs;
        int canReach = haveUpTo + pool.free() * bs;
        n = Math.min(n, canReach - s.cached());
        if (n <= 0) {
            return 0;
        }
        int needed = (s.cached() + n + bs - 1) / bs;
        while (s.blocks().size() < needed) {
            s.blocks().add(pool.allocate());
        }
        return n;
    }

    private void preempt(ServingSequence s) {
        for (int b : s.blocks()) {
            pool.release(b);
        }
        freeSlots.addFirst(s.slot());
        running.remove(s);
        s.preempt();
        waiting.add(0, s);
        preemptions++;
    }

    /** Takes the step's next tokens (at host time {@code nowNanos}); finished requests leave and free their cache. */
    public void complete(StepResult result, long nowNanos) {
        if (inFlight == null) {
            throw new IllegalStateException("no step in flight");
        }
        int[] next = result.nextTokens();
        if (next.length != inFlight.size()) {
            throw new IllegalArgumentException(next.length + " next tokens for a step of " + inFlight.size()
                    + " sequences");
        }
        for (int i = 0; i < inFlight.size(); i++) {
            ServingSequence s = inFlight.get(i);
            s.advance(inFlightFed.get(i));
            if (s.pending() == 0) {
                s.append(next[i], nowNanos);
                if (s.finished()) {
                    for (int b : s.blocks()) {
                        pool.release(b);
                    }
                    freeSlots.addLast(s.slot());
                    running.remove(s);
                    s.release();
                    finished.add(s.record());
                }
            }
        }
        inFlight = null;
        inFlightFed = null;
    }
}
