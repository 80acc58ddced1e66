package dev.tokenmeter.cpu;

import dev.tokenmeter.backend.Availability;
import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.BackendProvider;

/** The CPU reference backend: always usable, chosen by "auto" only when no GPU backend is. */
public final class CpuBackendProvider implements BackendProvider {
    public static final String NAME = "cpu";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "pure-Java reference: bf16 weights, fp32 compute, every core";
    }

    @Override
    public int autoPriority() {
        return 0;
    }

    @Override
    public Availability availability() {
        return Availability.yes(Runtime.getRuntime().availableProcessors() + " cores, vector kernels "
                + VectorSupport.describe());
    }

    @Override
    public Backend open(int hostThreads) {
        return new CpuBackend(hostThreads);
    }
}
