package dev.tokenmeter.cuda;

import dev.tokenmeter.checkpoint.SyntheticPrompts;
import dev.tokenmeter.cpu.CpuBackend;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.SequenceChunk;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The last rung of {@link KernelChecks}: the whole GPU forward against the CPU engine, logits compared at every
 * step, relative to the logits' RMS (bf16 activations and KV cache against the CPU's fp32).
 */
final class ForwardChecks {
    static final double FORWARD_RTOL = 0.05;
    static final double FORWARD_ATOL_RMS = 0.05;

    private ForwardChecks() {
    }

    /**
     * The whole forward on both backends: three prompts of ragged lengths prefilled together (the longest cut into
     * passes when it exceeds the engine's), then decode steps; last-token logits compared at every step.
     */
    static void forward(CudaBackend cuda, String preset, int promptMax, int passLimit, Consumer<KernelChecks.Check> out) {
        ModelConfig model = ModelPresets.get(preset);
        int[] lengths = {promptMax, 1, promptMax / 3};
        int steps = 4;
        EngineOptions options = EngineOptions.of(42, lengths.length, promptMax + steps + 1);
        try (CpuBackend cpuBackend = new CpuBackend(0); Engine cpu = cpuBackend.load(model, options);
                Engine gpu = cuda.load(model, options, passLimit)) {
            List<SequenceChunk> chunks = new ArrayList<>();
            for (int r = 0; r < lengths.length; r++) {
                chunks.add(new SequenceChunk(r, 0, SyntheticPrompts.prompt(42, r, lengths[r], model.vocab())));
            }
            StepResult c = cpu.step(new StepBatch(chunks, true));
            StepResult g = gpu.step(new StepBatch(chunks, true));
            String passes = passLimit < CudaEngine.PASS_TOKENS ? ", passes of " + passLimit : "";
            out.accept(compareLogits(preset, "prefill of " + lengths[0] + "," + lengths[1] + "," + lengths[2]
                    + " tokens" + passes, g, c));
            int[] pos = lengths.clone();
            int[] next = c.nextTokens();
            for (int s = 0; s < steps; s++) {
                List<SequenceChunk> d = new ArrayList<>();
                for (int r = 0; r < lengths.length; r++) {
                    // Both engines continue with the CPU's token, so that one differing argmax cannot fork them.
                    d.add(new SequenceChunk(r, pos[r], new int[] {next[r]}));
                    pos[r]++;
                }
                c = cpu.step(new StepBatch(d, true));
                g = gpu.step(new StepBatch(d, true));
                out.accept(compareLogits(preset, "decode step " + (s + 1) + " (graph), batch 3" + passes, g, c));
                next = c.nextTokens();
            }
        }
    }

    private static KernelChecks.Check compareLogits(String preset, String what, StepResult gpu, StepResult cpu) {
        int n = cpu.logits().length;
        int vocab = cpu.logits()[0].length;
        float[] g = new float[n * vocab];
        double[] c = new double[n * vocab];
        double ss = 0;
        int agree = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < vocab; j++) {
                g[i * vocab + j] = gpu.logits()[i][j];
                c[i * vocab + j] = cpu.logits()[i][j];
                ss += c[i * vocab + j] * c[i * vocab + j];
            }
            if (gpu.nextTokens()[i] == cpu.nextTokens()[i]) {
                agree++;
            }
        }
        double rms = Math.sqrt(ss / c.length);
        return KernelChecks.compare("forward " + preset, what, g, c, FORWARD_ATOL_RMS * rms, FORWARD_RTOL,
                String.format(Locale.ROOT, "logit RMS %.3g; argmax agrees for %d of %d", rms, agree, n));
    }
}
