package dev.tokenmeter.cuda;

import dev.tokenmeter.TokenmeterException;
import dev.tokenmeter.backend.Availability;
import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.BackendProvider;
import dev.tokenmeter.model.ModelConfig;

/**
 * The CUDA backend's entry in {@link java.util.ServiceLoader}. Usable where the probe finds a CUDA 13 driver and an
 * sm_80 or newer GPU; elsewhere it says why (no driver, no device, old driver, old GPU), so that "auto" falls back
 * to the CPU with that reason and {@code --backend cuda} is refused with it. Constructing it touches no native
 * library.
 */
public final class CudaBackendProvider implements BackendProvider {
    public static final String NAME = "cuda";
    /** Above the CPU's 0: "auto" takes a usable GPU first. */
    public static final int AUTO_PRIORITY = 100;

    private volatile Availability availability;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "NVIDIA GPU through JCuda and tokenmeter's own kernels (sm_80 or newer, CUDA 13 driver)";
    }

    @Override
    public int autoPriority() {
        return AUTO_PRIORITY;
    }

    @Override
    public Availability availability() {
        Availability a = availability;
        if (a == null) {
            a = decide(CudaProbe.result());
            availability = a;
        }
        return a;
    }

    /** The provider's answer for a probe's result. */
    static Availability decide(CudaProbe.Result probe) {
        if (!probe.ready()) {
            return Availability.no(probe.reason());
        }
        return Availability.yes(probe.reason());
    }

    /** The CUDA engine's limits (weights in bf16, headDim 32/64/128, ...), decided without touching the GPU. */
    @Override
    public String unsupported(ModelConfig model) {
        return CudaBackend.unsupported(model);
    }

    @Override
    public Backend open(int hostThreads) {
        Availability a = availability();
        if (!a.usable()) {
            throw new TokenmeterException(a.reason());
        }
        return new CudaBackend(CudaProbe.result());
    }
}
