package dev.tokenmeter.engine;

/**
 * What a step produced.
 *
 * @param nextTokens  per chunk, the greedy next token (argmax of the last token's logits, lowest index on ties)
 * @param logits      per chunk, the last token's logits over the vocabulary, or {@code null} when not asked for
 * @param deviceNanos time the device spent on the step, measured by the backend (CUDA events on a GPU, the
 *                    compute call's wall time on the CPU)
 */
public record StepResult(int[] nextTokens, float[][] logits, long deviceNanos) {
}
