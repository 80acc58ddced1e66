package dev.tokenmeter.engine;

import dev.tokenmeter.checkpoint.SyntheticPrompts;
import java.util.ArrayList;
import java.util.List;

/**
 * Greedy decoding of DESIGN's synthetic prompts, all requests batched together: what {@code tokenmeter generate}
 * prints and what backends are compared on.
 */
public final class GreedyGeneration {
    private GreedyGeneration() {
    }

    /**
     * One request's outcome.
     *
     * @param finalLogits the full-vocabulary logits that chose the last generated token
     */
    public record Output(int request, int[] prompt, int[] generated, float[] finalLogits) {
    }

    /** Generates {@code outputLength} tokens for requests 0 .. requests − 1; the engine needs that many slots. */
    public static List<Output> run(Engine engine, long seed, int requests, int promptLength, int outputLength) {
        if (requests < 1 || requests > engine.options().maxSequences()) {
            throw new IllegalArgumentException("requests must be in [1, " + engine.options().maxSequences()
                    + "], got " + requests);
        }
        engine.model().checkSequenceLength(promptLength, outputLength);
        int vocab = engine.model().vocab();
        int[][] prompts = new int[requests][];
        int[][] generated = new int[requests][outputLength];
        List<SequenceChunk> chunks = new ArrayList<>();
        for (int r = 0; r < requests; r++) {
            prompts[r] = SyntheticPrompts.prompt(seed, r, promptLength, vocab);
            chunks.add(new SequenceChunk(r, 0, prompts[r]));
        }
        StepResult step = engine.step(new StepBatch(chunks, outputLength == 1));
        for (int i = 0; ; i++) {
            for (int r = 0; r < requests; r++) {
                generated[r][i] = step.nextTokens()[r];
            }
            if (i == outputLength - 1) {
                break;
            }
            chunks.clear();
            for (int r = 0; r < requests; r++) {
                chunks.add(new SequenceChunk(r, promptLength + i, new int[] {generated[r][i]}));
            }
            step = engine.step(new StepBatch(chunks, i + 1 == outputLength - 1));
        }
        List<Output> out = new ArrayList<>();
        for (int r = 0; r < requests; r++) {
            out.add(new Output(r, prompts[r], generated[r], step.logits()[r]));
        }
        return out;
    }
}
