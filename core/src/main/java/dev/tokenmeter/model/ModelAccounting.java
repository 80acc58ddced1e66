package dev.tokenmeter.model;

/**
 * Analytic figures of a model: parameters, bytes, FLOPs. A FLOP is one multiply or one add, so a
 * multiply-accumulate counts 2. Attention FLOPs count the two products (q·k and p·v); softmax, norms and
 * elementwise work are left out, as is usual for MFU.
 */
public final class ModelAccounting {
    private final ModelConfig c;

    ModelAccounting(ModelConfig config) {
        this.c = config;
    }

    /** Parameters of one decoder layer's linear maps (wq, wk, wv, wo, w_gate, w_up, w_down). */
    public long linearParamsPerLayer() {
        long h = c.hidden();
        return h * c.qDim() + 2 * h * c.kvDim() + (long) c.qDim() * h + 3 * h * c.ffn();
    }

    /** Parameters of one decoder layer, norms included. */
    public long paramsPerLayer() {
        return linearParamsPerLayer() + 2L * c.hidden();
    }

    public long embeddingParams() {
        return (long) c.vocab() * c.hidden();
    }

    /** Parameters of the LM head that are not shared with the embedding (0 when tied). */
    public long untiedLmHeadParams() {
        return c.tiedEmbeddings() ? 0 : embeddingParams();
    }

    /** Every parameter, counted once (a tied LM head is not counted twice). */
    public long parameterCount() {
        return embeddingParams() + untiedLmHeadParams() + c.layers() * paramsPerLayer() + c.hidden();
    }

    /** Bytes of all stored weights. */
    public long weightBytes() {
        return parameterCount() * c.weightDtype().bytes();
    }

    /**
     * Weight bytes a forward step must read once whatever its batch: every layer, the final norm and the
     * LM head (a vocab × hidden matrix: the embedding itself when tied). An untied embedding table is only
     * gathered a row per token, so it is not counted.
     */
    public long weightBytesReadPerStep() {
        long params = c.layers() * paramsPerLayer() + c.hidden() + embeddingParams();
        return params * c.weightDtype().bytes();
    }

    /** KV-cache bytes one token occupies across all layers, keys and values. */
    public long kvBytesPerToken(int bytesPerElement) {
        return 2L * c.layers() * c.kvDim() * bytesPerElement;
    }

    /** FLOPs of the decoder layers' linear maps for one token. */
    public long linearFlopsPerToken() {
        return 2L * c.layers() * linearParamsPerLayer();
    }

    /** FLOPs of the LM head for one token whose logits are computed. */
    public long lmHeadFlops() {
        return 2L * c.vocab() * c.hidden();
    }

    /** Attention FLOPs (q·k and p·v, all layers) for one query attending to {@code context} positions. */
    public long attentionFlops(long context) {
        return 4L * c.layers() * c.qDim() * context;
    }

    /**
     * FLOPs to decode one token whose context (itself included) is {@code context} positions long:
     * linear maps, attention and the LM head.
     */
    public long decodeFlopsPerToken(long context) {
        return linearFlopsPerToken() + attentionFlops(context) + lmHeadFlops();
    }

    /**
     * FLOPs to prefill a {@code promptLength}-token prompt (causal attention: token p sees p + 1 positions),
     * logits computed for the last token only, as an inference engine does.
     */
    public long prefillFlops(long promptLength) {
        long attended = promptLength * (promptLength + 1) / 2;
        return promptLength * linearFlopsPerToken() + attentionFlops(attended) + lmHeadFlops();
    }

    /** Average FLOPs per prompt token of a prefill. */
    public double prefillFlopsPerToken(long promptLength) {
        return (double) prefillFlops(promptLength) / promptLength;
    }
}
