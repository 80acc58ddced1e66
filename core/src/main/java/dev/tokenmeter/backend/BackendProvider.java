package dev.tokenmeter.backend;

import dev.tokenmeter.model.ModelConfig;

/**
 * The service-provider interface through which backends are found ({@link java.util.ServiceLoader}). A provider
 * must be cheap to construct: it touches no native library until {@link #availability()} is asked.
 */
public interface BackendProvider {
    /** The name users select it by ("cpu", "cuda"). */
    String name();

    /** One line on what it runs on. */
    String description();

    /** Preference in automatic selection: the usable provider with the highest priority wins. */
    int autoPriority();

    /** Whether it can run here; probed once and cached, never throws. */
    Availability availability();

    /**
     * Why this backend's engine cannot run {@code model} (a weight dtype or shape its kernels do not take), or null
     * when it can; decided from the model alone, without touching a device, so that "auto" can pass over it.
     */
    default String unsupported(ModelConfig model) {
        return null;
    }

    /**
     * Opens the device. Throws {@link dev.tokenmeter.TokenmeterException} when it is not usable.
     *
     * @param hostThreads threads for host-side compute (the CPU backend's workers); 0 means every core
     */
    Backend open(int hostThreads);

    /** Opens the device with every core available to host-side work. */
    default Backend open() {
        return open(0);
    }
}
