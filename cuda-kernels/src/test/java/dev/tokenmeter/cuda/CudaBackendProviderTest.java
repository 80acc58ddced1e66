package dev.tokenmeter.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.tokenmeter.TokenmeterException;
import dev.tokenmeter.backend.Availability;
import dev.tokenmeter.backend.BackendProvider;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.model.WeightDtype;
import java.io.File;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The provider as ServiceLoader, "auto" and an explicit choice see it. */
class CudaBackendProviderTest {
    private static BackendProvider cuda() {
        return Backends.providers().stream().filter(p -> p.name().equals("cuda")).findFirst()
                .orElseThrow(() -> new AssertionError("cuda provider not found by ServiceLoader: " + Backends.names()));
    }

    @Test
    void serviceLoaderFindsItAheadOfTheCpu() {
        assertEquals(List.of("cuda", "cpu"), Backends.names());
        assertEquals(100, cuda().autoPriority());
    }

    @Test
    void notUsableWithTheProbesReasonAskedTwice() {
        assumeFalse(CudaProbe.result().ready(), "a usable GPU is here: the provider is usable");
        BackendProvider p = cuda();
        Availability first = p.availability();
        assertSame(first, p.availability(), "availability is decided once");
        assertFalse(first.usable());
        assertEquals(CudaBackendProvider.decide(CudaProbe.result()), first);
    }

    @Test
    void aReadyGpuIsUsableAndAMissingOneIsNotWithTheReason() {
        CudaDevice h100 = new CudaDevice(0, "NVIDIA H100 80GB HBM3", 9, 0, 85_520_809_984L, 132);
        CudaProbe.Result ready = new CudaProbe.Result(true, CudaProbe.summary(h100, 13000, 1), 13000, 1, h100);
        assertEquals(Availability.yes("GPU NVIDIA H100 80GB HBM3 (sm_90, 79.6 GiB, driver 13.0)"),
                CudaBackendProvider.decide(ready));
        assertEquals(Availability.no("no CUDA device: the NVIDIA driver reports no GPU"),
                CudaBackendProvider.decide(new CudaProbe.Result(false,
                        "no CUDA device: the NVIDIA driver reports no GPU", 13000, 0, null)));
    }

    @Test
    void theProviderNamesTheModelsItsEngineRefuses() {
        ModelConfig tiny = ModelPresets.get("tiny");
        assertNull(cuda().unsupported(tiny));
        assertEquals(CudaBackend.unsupported(tiny.withWeightDtype(WeightDtype.FP32)),
                cuda().unsupported(tiny.withWeightDtype(WeightDtype.FP32)));
        assertNotNull(cuda().unsupported(tiny.withWeightDtype(WeightDtype.FP32)));
    }

    @Test
    void autoRunsAModelTheGpuEngineRefusesOnTheCpu() {
        // Where a GPU is usable this is the case that matters; where none is, the CPU is chosen anyway.
        assertEquals("cpu", Backends.select("auto", ModelPresets.get("tiny").withWeightDtype(WeightDtype.FP32))
                .name());
    }

    @Test
    void autoFallsBackToTheCpu() {
        assumeFalse(CudaProbe.result().ready(), "a usable GPU is here: auto picks it");
        assertEquals("cpu", Backends.select("auto").name());
    }

    @Test
    void choosingCudaIsRefusedWithTheReason() {
        assumeFalse(CudaProbe.result().ready(), "a usable GPU is here: cuda is not refused");
        String reason = cuda().availability().reason();
        TokenmeterException e = assertThrows(TokenmeterException.class, () -> Backends.select("cuda"));
        assertEquals("backend cuda is not usable here: " + reason, e.getMessage());
    }

    @Test
    void openIsRefusedWithTheReason() {
        assumeFalse(CudaProbe.result().ready(), "a usable GPU is here: open succeeds");
        BackendProvider p = cuda();
        TokenmeterException e = assertThrows(TokenmeterException.class, p::open);
        assertEquals(p.availability().reason(), e.getMessage());
    }

    @Test
    void withoutADriverTheCliSeesTheDriverReason() {
        org.junit.jupiter.api.Assumptions.assumeFalse(CudaProbeTest.libcudaPresent(),
                "this host has libcuda.so.1: the no-driver answer does not apply");
        TokenmeterException e = assertThrows(TokenmeterException.class, () -> Backends.select("cuda"));
        assertEquals("backend cuda is not usable here: no NVIDIA driver: libcuda.so.1 could not be loaded",
                e.getMessage());
    }

    /**
     * Loads this module and core in a class loader of their own that records which JCuda classes their code asks
     * for and refuses them (as if JCuda were not on the class path): finding the providers and reading their names
     * must ask for none; asking the CUDA provider's availability must, and must come back with a reason rather
     * than an error. Refusing keeps JCuda's native library out of the isolated loader, so the rest of this JVM
     * still sees JCuda's first touch.
     */
    @Test
    void noJCudaClassIsTouchedBeforeAvailabilityIsAsked() throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            urls.add(toUrl(entry));
        }
        try (RecordingLoader loader = new RecordingLoader(urls.toArray(new URL[0]))) {
            Class<?> backends = Class.forName("dev.tokenmeter.backend.Backends", true, loader);
            List<?> providers = (List<?>) backends.getMethod("providers").invoke(null);
            Class<?> spi = Class.forName("dev.tokenmeter.backend.BackendProvider", false, loader);
            Object cudaProvider = null;
            for (Object p : providers) {
                String name = (String) spi.getMethod("name").invoke(p);
                spi.getMethod("description").invoke(p);
                spi.getMethod("autoPriority").invoke(p);
                if (name.equals("cuda")) {
                    cudaProvider = p;
                }
            }
            assertTrue(cudaProvider != null, "cuda provider not found in the isolated loader");
            assertEquals(Set.of(), loader.jcudaRequests(), "JCuda touched before availability was asked");

            Method availability = spi.getMethod("availability");
            Object answer = availability.invoke(cudaProvider);
            assertFalse(loader.jcudaRequests().isEmpty(), "availability must probe through JCuda");
            String reason = (String) answer.getClass().getMethod("reason").invoke(answer);
            assertTrue(reason.startsWith("JCuda is not on the class path (jcuda/"), reason);
        }
    }

    private static URL toUrl(String entry) {
        try {
            return Path.of(entry).toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Loads the class path itself (parent: the platform loader); records and refuses JCuda's classes. */
    private static final class RecordingLoader extends URLClassLoader {
        private final Set<String> jcuda = ConcurrentHashMap.newKeySet();

        RecordingLoader(URL[] urls) {
            super(urls, ClassLoader.getPlatformClassLoader());
        }

        Set<String> jcudaRequests() {
            return Collections.unmodifiableSet(Set.copyOf(jcuda));
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("jcuda.")) {
                jcuda.add(name);
                throw new ClassNotFoundException(name + " (refused by the test)");
            }
            return super.loadClass(name, resolve);
        }
    }
}
