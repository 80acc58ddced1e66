package dev.tokenmeter.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tokenmeter.TokenmeterException;
import dev.tokenmeter.checkpoint.SyntheticPrompts;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.SequenceChunk;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.model.ModelPresets;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A kernel fault (an illegal address) ends a step with a clear message naming the CUDA error, and closing the
 * engine and the backend afterwards neither throws nor hangs. A fault leaves the CUDA context unusable for the rest
 * of the process, so it is provoked in a child JVM ({@link #main}) and this test reads what the child printed.
 */
@Tag("gpu")
class KernelFaultGpuTest {
    @Test
    void aFaultEndsTheStepWithTheCudaErrorAndCloseStillReturns() throws Exception {
        CudaProbe.Result probe = CudaProbe.result();
        assumeTrue(probe.ready(), () -> "no GPU to provoke a kernel fault on: " + probe.reason());
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(KernelFaultGpuTest.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM hung after the fault");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("step ok"), out);
        assertTrue(out.contains("fault reported: a step of 1 tokens in 1 sequences failed on the GPU: "), out);
        assertTrue(out.contains("CUDA_ERROR_ILLEGAL_ADDRESS"), out);
        assertTrue(out.contains("TOKENMETER_CUDA_SYNC=1"), out);
        assertTrue(out.contains("closed"), out);
    }

    /** The child: one good step, a kernel reading address 0x100, the next step, then close. */
    public static void main(String[] args) {
        CudaBackend backend = (CudaBackend) new CudaBackendProvider().open();
        Engine engine = backend.load(ModelPresets.get("tiny"), EngineOptions.of(42, 1, 32));
        engine.step(StepBatch.of(List.of(new SequenceChunk(0, 0, SyntheticPrompts.prompt(42, 0, 8, 512)))));
        System.out.println("step ok");
        CUdeviceptr bogus = (CUdeviceptr) new CUdeviceptr().withByteOffset(0x100);
        CUdeviceptr x = (CUdeviceptr) new CUdeviceptr().withByteOffset(0x200);
        backend.ops().embed(bogus, bogus, x, 4, 128);
        try {
            engine.step(StepBatch.of(List.of(new SequenceChunk(0, 8, new int[] {1}))));
            System.out.println("no fault reported");
        } catch (TokenmeterException e) {
            System.out.println("fault reported: " + e.getMessage());
        }
        engine.close();
        backend.close();
        System.out.println("closed");
    }
}
