package dev.tokenmeter.jmh;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The work a benchmark invocation did, counted so that JMH derives the rates: as {@code OPERATIONS} counters in
 * throughput mode, {@code flops} is reported in "ops/s", which here reads FLOP/s, and {@code bytes} in B/s. A
 * benchmark adds what one call did, computed from its declared shape (never timed by hand).
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Work {
    /** Floating-point operations; a multiply-add counts 2. */
    public long flops;
    /** Bytes read from or written to memory at least once: weights, KV cache, activations in and out. */
    public long bytes;

    @Setup(Level.Iteration)
    public void reset() {
        flops = 0;
        bytes = 0;
    }

    /** Adds one invocation's work. */
    public void add(long invocationFlops, long invocationBytes) {
        flops += invocationFlops;
        bytes += invocationBytes;
    }
}
