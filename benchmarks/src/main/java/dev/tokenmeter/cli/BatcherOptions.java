package dev.tokenmeter.cli;

import picocli.CommandLine.Option;

/**
 * The continuous batcher's limits, as {@code serve} (the engine it measures in process) and {@code server} (the
 * engine it puts behind an endpoint) take them: the same options, the same defaults.
 */
final class BatcherOptions {
    @Option(names = "--max-seqs", defaultValue = "64", paramLabel = "N",
            description = "Sequences running at once (default: ${DEFAULT-VALUE}).")
    int maxSeqs;

    @Option(names = "--max-batch-tokens", defaultValue = "0", paramLabel = "N",
            description = "Token budget of one step, decodes and prompt chunks (0, the default: 2048 on a GPU, 256"
                    + " on the CPU, whose prompt chunks would otherwise stall every decode for seconds).")
    int maxBatchTokens;

    @Option(names = "--kv-block-size", defaultValue = "16", paramLabel = "N",
            description = "Positions per KV-cache block (default: ${DEFAULT-VALUE}).")
    int blockSize;

    @Option(names = "--kv-blocks", defaultValue = "0", paramLabel = "N",
            description = "KV-cache blocks (0: every running sequence at full length; fewer forces preemption).")
    int kvBlocks;

    /** Refuses a value out of range, named by its option (for a command whose values no spec checks). */
    void check() {
        Args.positive("--max-seqs", maxSeqs);
        Args.atLeastZero("--max-batch-tokens", maxBatchTokens, "the device's default");
        Args.positive("--kv-block-size", blockSize);
        Args.atLeastZero("--kv-blocks", kvBlocks, "every sequence at full length");
    }
}
