package dev.tokenmeter.serving;

import java.util.ArrayDeque;
import java.util.BitSet;

/**
 * The free blocks of a paged KV cache. Blocks are handed out one at a time and come back when a sequence finishes
 * or is preempted; freeing a block twice, or one never handed out, is a bug and throws.
 */
public final class KvBlockPool {
    private final int capacity;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private final BitSet used = new BitSet();

    public KvBlockPool(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1 block, got " + capacity);
        }
        this.capacity = capacity;
        for (int b = 0; b < capacity; b++) {
            free.addLast(b);
        }
    }

    public int capacity() {
        return capacity;
    }

    public int free() {
        return free.size();
    }

    /** A free block, lowest-numbered of those returned longest ago; throws when none is free. */
    public int allocate() {
        Integer b = free.pollFirst();
        if (b == null) {
            throw new IllegalStateException("no free KV block (" + capacity + " in use)");
        }
        used.set(b);
        return b;
    }

    public void release(int block) {
        if (block < 0 || block >= capacity || !used.get(block)) {
            throw new IllegalStateException("block " + block + " is not in use");
        }
        used.clear(block);
        free.addLast(block);
    }
}
