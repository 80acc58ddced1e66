package dev.tokenmeter.serving;

import java.util.List;

/**
 * The choices a continuous-batching scheduler leaves open: which waiting request is admitted next, and which
 * running one gives its KV blocks back when memory runs out. {@link #FIRST_COME_FIRST_SERVED} is the default.
 */
public interface SchedulingPolicy {
    /** Index in {@code waiting} (non-empty, in arrival order; preempted requests first) of the next to admit. */
    int nextToAdmit(List<ServingSequence> waiting);

    /** Index in {@code running} (non-empty, in admission order) of the request to preempt. */
    int victim(List<ServingSequence> running);

    /** Admits in arrival order (a preempted request first again); preempts the latest admitted, as vLLM does. */
    SchedulingPolicy FIRST_COME_FIRST_SERVED = new SchedulingPolicy() {
        @Override
        public int nextToAdmit(List<ServingSequence> waiting) {
            return 0;
        }

        @Override
        public int victim(List<ServingSequence> running) {
            return running.size() - 1;
        }

        @Override
        public String toString() {
            return "fcfs";
        }
    };
}
