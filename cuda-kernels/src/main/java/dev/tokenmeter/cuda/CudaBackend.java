package dev.tokenmeter.cuda;

import static dev.tokenmeter.cuda.CudaException.check;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetUuid;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;

import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.backend.InsufficientMemoryException;
import dev.tokenmeter.backend.MemoryPlan;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.WeightDtype;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jcuda.driver.CUdevice;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.CUuuid;

/**
 * One GPU, opened: its primary context, one non-blocking stream, every kernel image loaded. It owns every native
 * handle it creates and frees them in reverse order on close, engines first.
 */
public final class CudaBackend implements Backend {
    /** Device memory left to the driver, graphs and other processes beyond the engine's arena. */
    static final long RESERVE_BYTES = 768L << 20;

    private final CudaProbe.Result probe;
    private final CudaContext context;
    private final CUstream stream;
    private final Launcher launcher;
    private final CudaOps ops;
    private final Synthetic synthetic;
    private final List<CudaEngine> engines = new ArrayList<>();
    private DeviceInfo device;
    private Thread owner;
    private boolean closed;

    CudaBackend(CudaProbe.Result probe) {
        this.probe = probe;
        CudaDevice d = probe.device();
        this.context = CudaContext.open(d.ordinal());
        CUstream s = new CUstream();
        Launcher l = null;
        try {
            check(cuStreamCreate(s, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
            l = new Launcher(s);
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
        this.stream = s;
        this.launcher = l;
        // 97: CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN (99 KiB on sm_86/sm_89, 227 KiB on sm_90).
        // wgmma is in the sm_90a machine code only, which the driver runs on compute capability 9.0 exactly.
        this.ops = new CudaOps(l, d.multiprocessors(), attribute(d.ordinal(), 97), d.computeCapability() == 90);
        this.synthetic = new Synthetic(l.module(CudaKernels.Image.SYNTHETIC), d.multiprocessors());
        this.owner = Thread.currentThread();
    }

    @Override
    public String name() {
        return CudaBackendProvider.NAME;
    }

    CudaOps ops() {
        return ops;
    }

    Synthetic synthetic() {
        return synthetic;
    }

    /** Makes the context current when a thread other than the last one calls in. */
    void current() {
        if (closed) {
            throw new IllegalStateException("CUDA backend is closed");
        }
        if (owner != Thread.currentThread()) {
            context.makeCurrent();
            owner = Thread.currentThread();
        }
    }

    private int attribute(int attribute) {
        return attribute(probe.device().ordinal(), attribute);
    }

    private static int attribute(int ordinal, int attribute) {
        CUdevice dev = new CUdevice();
        check(cuDeviceGet(dev, ordinal), "cuDeviceGet");
        int[] v = new int[1];
        check(cuDeviceGetAttribute(v, attribute, dev), "cuDeviceGetAttribute(" + attribute + ")");
        return v[0];
    }

    /**
     * The GPU's PCI address as NVML writes it, "00000000:3B:00.0": domain (50:
     * CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID), bus (33: PCI_BUS_ID) and device (34: PCI_DEVICE_ID), function 0.
     */
    private String pciBusId() {
        return pciBusId(attribute(50), attribute(33), attribute(34));
    }

    /** "%08X:%02X:%02X.0" of a domain, bus and device. */
    static String pciBusId(int domain, int bus, int device) {
        return String.format(Locale.ROOT, "%08X:%02X:%02X.0", domain, bus, device);
    }

    /** The GPU's UUID as NVML and nvidia-smi write it ("GPU-" and 8-4-4-4-12 hex digits); null where unreadable. */
    private String uuid() {
        CUdevice dev = new CUdevice();
        check(cuDeviceGet(dev, probe.device().ordinal()), "cuDeviceGet");
        CUuuid u = new CUuuid();
        return cuDeviceGetUuid(u, dev) == 0 && u.bytes != null && u.bytes.length == 16 ? uuid(u.bytes) : null;
    }

    /** "GPU-" and the 16 bytes in lower-case hex, grouped 4-2-2-2-6 bytes. */
    static String uuid(byte[] b) {
        StringBuilder sb = new StringBuilder("GPU-");
        for (int i = 0; i < b.length; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                sb.append('-');
            }
            sb.append(String.format(Locale.ROOT, "%02x", b[i] & 0xff));
        }
        return sb.toString();
    }

    long freeBytes() {
        long[] free = new long[1];
        long[] total = new long[1];
        check(cuMemGetInfo(free, total), "cuMemGetInfo");
        return free[0];
    }

    /** The GPU, with both ceilings measured on the first call (about a second) and kept. */
    @Override
    public synchronized DeviceInfo device() {
        current();
        if (device == null) {
            CudaDevice d = probe.device();
            DeviceCeilings measured = CudaCeilings.measure(ops, synthetic, freeBytes());
            Map<String, String> details = new LinkedHashMap<>();
            details.put("compute capability", d.major() + "." + d.minor());
            int v = probe.driverVersion();
            details.put("driver CUDA version", (v / 1000) + "." + (v % 1000) / 10);
            details.put("SM clock (max)", attribute(13) / 1000 + " MHz");
            details.put("memory clock (max)", attribute(36) / 1000 + " MHz");
            details.put("memory bus", attribute(37) + " bits");
            details.put("L2 cache", (attribute(38) >> 20) + " MiB");
            details.put("kernels", "tokenmeter fatbin (sm_80, sm_89, sm_90a, compute_80 PTX)");
            // How telemetry finds this GPU in NVML, whose device order may differ from CUDA's.
            details.put(DeviceInfo.PCI_BUS_ID, pciBusId());
            String uuid = uuid();
            if (uuid != null) {
                details.put(DeviceInfo.GPU_UUID, uuid);
            }
            device = new DeviceInfo(name(), d.name(), "gpu", d.multiprocessors(), d.memoryBytes(), attribute(38),
                    measured, GpuDatasheets.of(d.name()), details);
        }
        return device;
    }

    @Override
    public int kvBytesPerElement() {
        return CudaEngine.KV_BYTES;
    }

    @Override
    public MemoryPlan plan(ModelConfig model, EngineOptions options) {
        current();
        return plan(model, options, CudaEngine.PASS_TOKENS);
    }

    MemoryPlan plan(ModelConfig model, EngineOptions options, int passLimit) {
        long[] r = EngineLayout.regionBytes(model, options, ops, passLimit);
        long available = Math.max(0, freeBytes() - RESERVE_BYTES);
        return new MemoryPlan(r[0], r[1], r[2], available, "GPU memory (" + probe.device().name() + ", free now less "
                + (RESERVE_BYTES >> 20) + " MiB kept for the driver)");
    }

    /** Why this backend cannot run a model, or null when it can. */
    static String unsupported(ModelConfig m) {
        if (m.weightDtype() != WeightDtype.BF16) {
            return "the CUDA backend stores weights as bf16; weight dtype " + m.weightDtype().label()
                    + " is not supported on it";
        }
        if (m.headDim() != 32 && m.headDim() != 64 && m.headDim() != 128) {
            return "the CUDA attention kernels take headDim 32, 64 or 128; model " + m.name() + " has " + m.headDim();
        }
        if (m.heads() / m.kvHeads() > 8) {
            return "the CUDA decode attention takes up to 8 query heads per kv head; model " + m.name() + " has "
                    + m.heads() / m.kvHeads();
        }
        if (m.hidden() % 64 != 0 || m.qDim() % 64 != 0 || m.ffn() % 64 != 0) {
            return String.format(Locale.ROOT, "the CUDA products need hidden, heads x headDim and ffn to be multiples"
                    + " of 64; model %s has %d, %d and %d", m.name(), m.hidden(), m.qDim(), m.ffn());
        }
        return null;
    }

    @Override
    public Engine load(ModelConfig model, EngineOptions options) {
        return load(model, options, CudaEngine.PASS_TOKENS);
    }

    /** As {@link #load(ModelConfig, EngineOptions)}, with at most {@code passLimit} tokens per pass. */
    synchronized Engine load(ModelConfig model, EngineOptions options, int passLimit) {
        current();
        String why = unsupported(model);
        if (why != null) {
            throw new IllegalArgumentException(why);
        }
        if (options.maxContext() > model.maxPositions()) {
            throw new IllegalArgumentException("maxContext must be <= the " + model.maxPositions()
                    + " positions of model " + model.name() + ", got " + options.maxContext());
        }
        MemoryPlan plan = plan(model, options, passLimit);
        if (!plan.fits()) {
            throw new InsufficientMemoryException(model.name(), plan);
        }
        CudaEngine e = new CudaEngine(this, ops, model, options, synthetic, passLimit);
        engines.add(e);
        return new ThreadCheckedEngine(this, e);
    }

    synchronized void engineClosed(CudaEngine e) {
        engines.remove(e);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        for (CudaEngine e : new ArrayList<>(engines)) {
            e.close();  // frees quietly: after a kernel fault the frees fail, and nothing more can be done
        }
        closed = true;
        try {
            launcher.close();
        } catch (RuntimeException e) {
            // a faulted context fails to unload; the primary context's release below ends it anyway
        }
        cuStreamDestroy(stream);
        try {
            context.close();
        } catch (RuntimeException e) {
            // After a kernel fault every call on the context fails; the process's exit ends it.
        }
    }
}
