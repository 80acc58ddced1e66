package dev.tokenmeter.checkpoint;

import dev.tokenmeter.model.ModelConfig;

/** The tensors of DESIGN's synthetic checkpoint spec v1, with their ids, shapes and value ranges. */
public enum TensorKind {
    EMBEDDING(false),
    FINAL_NORM(false),
    LM_HEAD(false),
    ATTN_NORM(true),
    WQ(true),
    WK(true),
    WV(true),
    WO(true),
    FFN_NORM(true),
    W_GATE(true),
    W_UP(true),
    W_DOWN(true);

    private final boolean perLayer;

    TensorKind(boolean perLayer) {
        this.perLayer = perLayer;
    }

    public boolean perLayer() {
        return perLayer;
    }

    /** The spec's tensor id; {@code layer} is ignored for model-level tensors. */
    public long id(int layer) {
        switch (this) {
            case EMBEDDING:
                return 1;
            case FINAL_NORM:
                return 2;
            case LM_HEAD:
                return 3;
            default:
                return 1000L + 16L * layer + (ordinal() - ATTN_NORM.ordinal());
        }
    }

    /** Rows of the tensor ([out, in] for linear maps; a norm is one row). */
    public int rows(ModelConfig c) {
        switch (this) {
            case EMBEDDING:
            case LM_HEAD:
                return c.vocab();
            case FINAL_NORM:
            case ATTN_NORM:
            case FFN_NORM:
                return 1;
            case WQ:
                return c.qDim();
            case WK:
            case WV:
                return c.kvDim();
            case WO:
            case W_DOWN:
                return c.hidden();
            case W_GATE:
            case W_UP:
                return c.ffn();
            default:
                throw new AssertionError(this);
        }
    }

    /** Columns (the input width of a linear map, or the length of a norm). */
    public int cols(ModelConfig c) {
        switch (this) {
            case WO:
                return c.qDim();
            case W_DOWN:
                return c.ffn();
            default:
                return c.hidden();
        }
    }

    public long elements(ModelConfig c) {
        return (long) rows(c) * cols(c);
    }

    public boolean isNorm() {
        return this == FINAL_NORM || this == ATTN_NORM || this == FFN_NORM;
    }

    /** Half-width of the value range: 1 for the embedding, 0.125 for norms, sqrt(3/fan_in) for linear maps. */
    public float amplitude(ModelConfig c) {
        if (this == EMBEDDING) {
            return 1.0f;
        }
        if (isNorm()) {
            return 0.125f;
        }
        return (float) Math.sqrt(3.0 / cols(c));
    }

    /** Centre of the value range: 1 for norms, 0 otherwise. */
    public float offset() {
        return isNorm() ? 1.0f : 0.0f;
    }
}
