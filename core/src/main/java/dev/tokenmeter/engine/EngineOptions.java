package dev.tokenmeter.engine;

/**
 * How an engine is built. The KV cache is paged: {@code kvBlocks} blocks of {@code kvBlockSize} positions each,
 * shared by all sequences through their block tables ({@link SequenceChunk#blockTable()}). A chunk without a block
 * table uses its slot's own run of blocks, {@code slot · blocksPerSequence() ..}, which is how the offline scenario
 * runs; the default block count gives every slot its full context that way.
 *
 * @param seed         synthetic checkpoint seed
 * @param maxSequences sequence slots a step may address (each at most once per step)
 * @param maxContext   positions per sequence (prompt + output)
 * @param kvBlockSize  positions per KV-cache block
 * @param kvBlocks     blocks in the KV cache
 */
public record EngineOptions(long seed, int maxSequences, int maxContext, int kvBlockSize, int kvBlocks) {
    /** Positions per block when none is asked for (vLLM's default too). */
    public static final int DEFAULT_BLOCK_SIZE = 16;

    public EngineOptions {
        if (maxSequences <= 0) {
            throw new IllegalArgumentException("maxSequences must be >= 1, got " + maxSequences);
        }
        if (maxContext <= 0) {
            throw new IllegalArgumentException("maxContext must be >= 1, got " + maxContext);
        }
        if (kvBlockSize <= 0) {
            throw new IllegalArgumentException("kvBlockSize must be >= 1, got " + kvBlockSize);
        }
        if (kvBlocks <= 0) {
            throw new IllegalArgumentException("kvBlocks must be >= 1, got " + kvBlocks);
        }
    }

    /** Options whose KV cache holds every slot's full context, in blocks of {@link #DEFAULT_BLOCK_SIZE}. */
    public EngineOptions(long seed, int maxSequences, int maxContext) {
        this(seed, maxSequences, maxContext, DEFAULT_BLOCK_SIZE,
                checkedBlocks(maxSequences, maxContext, DEFAULT_BLOCK_SIZE));
    }

    public static EngineOptions of(long seed, int maxSequences, int maxContext) {
        return new EngineOptions(seed, maxSequences, maxContext);
    }

    /** Options with a paged cache of {@code kvBlocks} blocks of {@code kvBlockSize} positions. */
    public static EngineOptions paged(long seed, int maxSequences, int maxContext, int kvBlockSize, int kvBlocks) {
        return new EngineOptions(seed, maxSequences, maxContext, kvBlockSize, kvBlocks);
    }

    private static int checkedBlocks(int maxSequences, int maxContext, int blockSize) {
        if (maxSequences <= 0 || maxContext <= 0) {
            return 1;  // the canonical constructor reports the bad value
        }
        long blocks = (long) maxSequences * ((maxContext + blockSize - 1) / blockSize);
        if (blocks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(maxSequences + " sequences of " + maxContext
                    + " positions need more than 2^31 KV blocks");
        }
        return (int) blocks;
    }

    /** Blocks one sequence of the full context spans: the length of a full block table. */
    public int blocksPerSequence() {
        return (maxContext + kvBlockSize - 1) / kvBlockSize;
    }

    /** Positions the KV cache holds, all blocks together. */
    public long kvPositions() {
        return (long) kvBlocks * kvBlockSize;
    }

    /** The block holding {@code position} of a chunk: from its block table, or its slot's own run. */
    public int block(SequenceChunk chunk, int position) {
        int[] table = chunk.blockTable();
        return table != null ? table[position / kvBlockSize] : ownBlock(chunk.slot(), position / kvBlockSize);
    }

    /** The block table of a chunk without one: its slot's own run of {@link #blocksPerSequence()} blocks. */
    public int[] ownBlocks(int slot) {
        int[] table = new int[blocksPerSequence()];
        for (int i = 0; i < table.length; i++) {
            table[i] = ownBlock(slot, i);
        }
        return table;
    }

    private int ownBlock(int slot, int index) {
        return slot * blocksPerSequence() + index;
    }
}
