package dev.tokenmeter.backend;

import dev.tokenmeter.TokenmeterException;

/** A model and KV cache that would not fit, refused before anything was allocated. */
public class InsufficientMemoryException extends TokenmeterException {
    private static final long serialVersionUID = 1L;
    private final transient MemoryPlan plan;

    public InsufficientMemoryException(String model, MemoryPlan plan) {
        super("model " + model + " does not fit: it " + plan.describe());
        this.plan = plan;
    }

    public MemoryPlan plan() {
        return plan;
    }
}
