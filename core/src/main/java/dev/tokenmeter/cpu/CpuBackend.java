package dev.tokenmeter.cpu;

import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.backend.InsufficientMemoryException;
import dev.tokenmeter.backend.MemoryPlan;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.WeightDtype;
import java.util.LinkedHashMap;
import java.util.Map;

/** The host CPU as a device: the Java heap is its memory, the worker threads its compute units. */
public final class CpuBackend implements Backend {
    private final int threads;
    private final MatMul matmul;
    private final Parallel parallel;
    private DeviceInfo device;

    /**
     * A backend using {@code threads} workers (0 = every available core); more than the cores present are refused
     * ({@link Backends#hostThreads}).
     */
    public CpuBackend(int threads) {
        this.threads = Backends.hostThreads(threads);
        this.matmul = VectorSupport.available() ? new VectorMatMul() : new ScalarMatMul();
        this.parallel = new Parallel(this.threads);
    }

    @Override
    public String name() {
        return CpuBackendProvider.NAME;
    }

    /** Every output element is one thread's own sum, in a fixed order, whatever the number of threads. */
    @Override
    public boolean deterministic() {
        return true;
    }

    /** The CPU, with bandwidth and FLOP/s measured on first call (about a second) and kept. */
    @Override
    public synchronized DeviceInfo device() {
        if (device == null) {
            DeviceCeilings measured = CpuCeilings.measure(parallel, VectorSupport.available());
            Map<String, String> details = new LinkedHashMap<>();
            details.put("threads", Integer.toString(threads));
            details.put("matmul", matmul.description());
            details.put("vector", VectorSupport.describe());
            device = new DeviceInfo(name(), DeviceInfo.hostCpuModel(), "cpu", threads,
                    Runtime.getRuntime().maxMemory(), CpuCeilings.lastLevelCacheBytes(), measured, null, details);
        }
        return device;
    }

    @Override
    public int kvBytesPerElement() {
        return CpuEngine.KV_BYTES;
    }

    @Override
    public MemoryPlan plan(ModelConfig model, EngineOptions options) {
        long weights = CpuWeights.bytes(model);
        long kv = model.accounting().kvBytesPerToken(CpuEngine.KV_BYTES) * options.kvPositions();
        long tokens = (long) options.maxSequences() * options.maxContext();
        long workspace = CpuEngine.workspaceFloats(model, tokens) * Float.BYTES
                + (long) options.maxSequences() * model.vocab() * Float.BYTES * 2;
        Runtime rt = Runtime.getRuntime();
        long available = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        return new MemoryPlan(weights, kv, workspace, available,
                "the Java heap (raise it with -Xmx, or JAVA_OPTS=-Xmx... with the launcher)");
    }

    @Override
    public Engine load(ModelConfig model, EngineOptions options) {
        if (model.weightDtype() != WeightDtype.BF16) {
            throw new IllegalArgumentException("the CPU backend stores weights as bf16; weight dtype "
                    + model.weightDtype().label() + " is not supported on it");
        }
        if (options.maxContext() > model.maxPositions()) {
            throw new IllegalArgumentException("maxContext must be <= the " + model.maxPositions()
                    + " positions of model " + model.name() + ", got " + options.maxContext());
        }
        long stepTokens = (long) options.maxSequences() * options.maxContext();
        long widest = Math.max(2L * model.ffn(), (long) model.qDim() + 2L * model.kvDim());
        if (stepTokens * Math.max(widest, model.hidden()) > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a step of " + stepTokens + " tokens (" + options.maxSequences()
                    + " sequences x " + options.maxContext() + " positions) needs activation arrays past Java's"
                    + " 2^31-element limit on the CPU backend; use fewer sequences or shorter ones");
        }
        MemoryPlan plan = plan(model, options);
        if (!plan.fits()) {
            // What counted as used may be garbage (the ceiling measurement's arrays): collect once and look again.
            System.gc();
            plan = plan(model, options);
        }
        if (!plan.fits()) {
            throw new InsufficientMemoryException(model.name(), plan);
        }
        // The engine shares this backend's workers; its thread option cannot differ from the backend's.
        return new CpuEngine(model, options, parallel, matmul);
    }

    @Override
    public void close() {
        parallel.close();
    }
}
