package dev.tokenmeter.fleet;

import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.backend.MemoryPlan;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import dev.tokenmeter.model.ModelConfig;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * A fault injected on purpose into one rank, so that a fleet's checks can be seen to find what they look for: a slow
 * GPU ({@code slow:3}, every step of the run takes three times as long: the step runs, then the rank waits twice its
 * time; the answer check is left at full speed: {@link #inAnswerCheck}), one that computes wrong answers ({@code
 * wrong-answers}: a high mantissa bit of the chosen token's logit flips in every step that returns logits, as a
 * failing multiplier would), or one that stops answering ({@code crash}: its first step fails, as after a device
 * error). The rank's file and the fleet report name the fault; nothing else changes.
 *
 * @param kind   what goes wrong
 * @param factor how many times slower each step is ({@link Kind#SLOW}); 1 otherwise
 */
public record Fault(Kind kind, double factor) {
    /** What goes wrong. */
    public enum Kind {
        SLOW,
        WRONG_ANSWERS,
        CRASH
    }

    /** The mantissa bit flipped: the highest, which changes a logit by a quarter to a half of its value. */
    private static final int FLIPPED_BIT = 1 << 22;

    public Fault {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.SLOW && !(factor > 1 && factor <= 1000)) {
            throw new IllegalArgumentException("a slow fault's factor must be in (1, 1000], got " + factor);
        }
        if (kind != Kind.SLOW && factor != 1) {
            throw new IllegalArgumentException("only a slow fault has a factor");
        }
    }

    /** "slow:3" or "wrong-answers"; null for null. */
    public static Fault parse(String text) {
        if (text == null) {
            return null;
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("wrong-answers")) {
            return new Fault(Kind.WRONG_ANSWERS, 1);
        }
        if (t.equals("crash")) {
            return new Fault(Kind.CRASH, 1);
        }
        if (t.startsWith("slow:")) {
            double f;
            try {
                f = Double.parseDouble(t.substring("slow:".length()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("a slow fault is slow:FACTOR (slow:3), got '" + text + "'");
            }
            return new Fault(Kind.SLOW, f);
        }
        throw new IllegalArgumentException("a fault is slow:FACTOR (slow:3), wrong-answers or crash, got '" + text
                + "'");
    }

    @Override
    public String toString() {
        return switch (kind) {
            case SLOW -> "slow:" + (factor == Math.rint(factor) ? Long.toString((long) factor)
                    : Double.toString(factor));
            case WRONG_ANSWERS -> "wrong-answers";
            case CRASH -> "crash";
        };
    }

    /**
     * Whether the fault is in the rank's answer check as well as its run: a crash and wrong answers are. A slow
     * device computes the same answers, and nobody reads the check's time; slowing it would only multiply the first
     * steps of a fresh JVM, interpreted before its JIT has compiled them (seconds each with the Vector API), by the
     * factor, and a fleet's slow rank would start minutes after the others.
     */
    public boolean inAnswerCheck() {
        return kind != Kind.SLOW;
    }

    /** {@code backend} with this fault in every engine it loads. */
    public Backend apply(Backend backend) {
        return new FaultyBackend(backend, this);
    }

    /** {@code engine} with this fault in every step. */
    public Engine apply(Engine engine) {
        return new FaultyEngine(engine, this);
    }

    private record FaultyBackend(Backend inner, Fault fault) implements Backend {
        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public DeviceInfo device() {
            return inner.device();
        }

        @Override
        public int kvBytesPerElement() {
            return inner.kvBytesPerElement();
        }

        @Override
        public MemoryPlan plan(ModelConfig model, EngineOptions options) {
            return inner.plan(model, options);
        }

        @Override
        public Engine load(ModelConfig model, EngineOptions options) {
            return fault.apply(inner.load(model, options));
        }

        @Override
        public boolean deterministic() {
            return inner.deterministic();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private record FaultyEngine(Engine inner, Fault fault) implements Engine {
        @Override
        public ModelConfig model() {
            return inner.model();
        }

        @Override
        public EngineOptions options() {
            return inner.options();
        }

        @Override
        public int kvBytesPerElement() {
            return inner.kvBytesPerElement();
        }

        @Override
        public StepResult step(StepBatch batch) {
            if (fault.kind() == Kind.CRASH) {
                throw new IllegalStateException("the device stopped answering (an injected crash fault)");
            }
            long start = System.nanoTime();
            StepResult r = inner.step(batch);
            if (fault.kind() == Kind.SLOW) {
                long wait = (long) ((fault.factor() - 1) * (System.nanoTime() - start));
                long until = System.nanoTime() + wait;
                while (System.nanoTime() < until) {
                    LockSupport.parkNanos(until - System.nanoTime());
                }
                // The device's own clock is as slow as the host's.
                return new StepResult(r.nextTokens(), r.logits(), (long) (r.deviceNanos() * fault.factor()));
            }
            if (r.logits() == null) {
                return r;
            }
            float[][] logits = new float[r.logits().length][];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = r.logits()[i].clone();
                int chosen = r.nextTokens()[i];
                logits[i][chosen] = Float.intBitsToFloat(Float.floatToRawIntBits(logits[i][chosen]) ^ FLIPPED_BIT);
            }
            return new StepResult(r.nextTokens(), logits, r.deviceNanos());
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
