package dev.tokenmeter.cuda;

import static dev.tokenmeter.cuda.CudaException.check;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuGraphUpload;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;

import dev.tokenmeter.TokenmeterException;
import dev.tokenmeter.checkpoint.TensorKind;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.SequenceChunk;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.RopeTables;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstreamCaptureMode;

/**
 * The GPU engine: bf16 weights generated in device memory, bf16 KV cache, fp32 residual stream and accumulation,
 * all in one arena allocated at load. A step is cut into passes of at most {@link #passTokens} tokens (a long
 * prompt becomes chunked prefill: its later pieces attend to the earlier ones through the cache). A decode step
 * (one token per sequence) runs as a CUDA graph captured once per batch size and replayed: its per-step values
 * (tokens, positions, slots, context lengths) are read by the kernels from device memory, uploaded from pinned
 * memory before each replay, so the graph never changes. Device time comes from CUDA events around the step.
 */
final class CudaEngine implements Engine {
    static final int KV_BYTES = 2;
    /** Tokens per pass: enough rows for the products to run at tensor-core speed. */
    static final int PASS_TOKENS = 8192;

    private final ModelConfig c;
    private final EngineOptions options;
    private final CudaBackend backend;
    private final CudaOps ops;
    private final Arena arena;
    private final int passTokens;
    private final int qkvDim;
    private final float eps;

    // Weights.
    private final CUdeviceptr embedding;
    private final CUdeviceptr lmHead;
    private final CUdeviceptr finalNorm;
    private final CUdeviceptr[] attnNorm;
    private final CUdeviceptr[] wqkv;
    private final CUdeviceptr[] wo;
    private final CUdeviceptr[] ffnNorm;
    private final CUdeviceptr[] wgu;
    private final CUdeviceptr[] wdown;
    // Paged KV cache, per layer [block][position in block][kvDim].
    private final CUdeviceptr[] kCache;
    private final CUdeviceptr[] vCache;
    private final CUdeviceptr ropeCos;
    private final CUdeviceptr ropeSin;
    // Activations of a pass.
    private final CUdeviceptr x;
    private final CUdeviceptr h;
    private final CUdeviceptr qkv;
    private final CUdeviceptr q;
    private final CUdeviceptr attn;
    private final CUdeviceptr gu;
    private final CUdeviceptr act;
    private final CUdeviceptr partO;
    private final CUdeviceptr partML;
    private final CUdeviceptr headIn;
    private final CUdeviceptr logits;
    private final CUdeviceptr ids;
    // Per-pass metadata, uploaded in one copy: see Meta.
    private final EngineLayout.Meta meta;
    private final CUdeviceptr metaDevice;
    private final PinnedBuffer metaHost;
    /** {@link #metaHost} as ints: each step writes its metadata here in place (no per-step array). */
    private final IntBuffer metaInts;
    /** Whether an upload from {@link #metaHost} may still be reading it (no stream synchronization since). */
    private boolean metaInFlight;
    /** {@link #idsHost} as ints. */
    private final IntBuffer idsInts;
    private final PinnedBuffer idsHost;
    private final Map<Integer, Graph> decodeGraphs = new HashMap<>();
    private final CudaEvents events;
    private boolean closed;

    private record Graph(CUgraph graph, CUgraphExec exec) {
    }

    CudaEngine(CudaBackend backend, CudaOps ops, ModelConfig model, EngineOptions options, Synthetic synthetic,
            int passLimit) {
        this.c = model;
        this.options = options;
        this.backend = backend;
        this.ops = ops;
        this.passTokens = EngineLayout.passTokens(options, passLimit);
        this.qkvDim = model.qDim() + 2 * model.kvDim();
        this.eps = (float) model.normEps();
        long[] regions = EngineLayout.regionBytes(model, options, ops, passLimit);
        this.arena = Arena.allocate(regions[0] + regions[1] + regions[2]);
        PinnedBuffer mh = null;
        PinnedBuffer ih = null;
        CudaEvents ev = null;
        try {
            int layers = model.layers();
            int hidden = model.hidden();
            long seed = options.seed();
            embedding = arena.take((long) model.vocab() * hidden * 2, "embedding");
            fill(synthetic, embedding, TensorKind.EMBEDDING, 0, 0);
            if (model.tiedEmbeddings()) {
                lmHead = embedding;
            } else {
                lmHead = arena.take((long) model.vocab() * hidden * 2, "lm head");
                fill(synthetic, lmHead, TensorKind.LM_HEAD, 0, 0);
            }
            finalNorm = arena.take((long) hidden * 2, "final norm");
            fill(synthetic, finalNorm, TensorKind.FINAL_NORM, 0, 0);
            attnNorm = new CUdeviceptr[layers];
            wqkv = new CUdeviceptr[layers];
            wo = new CUdeviceptr[layers];
            ffnNorm = new CUdeviceptr[layers];
            wgu = new CUdeviceptr[layers];
            wdown = new CUdeviceptr[layers];
            for (int l = 0; l < layers; l++) {
                attnNorm[l] = arena.take((long) hidden * 2, "attn norm");
                fill(synthetic, attnNorm[l], TensorKind.ATTN_NORM, l, 0);
                ffnNorm[l] = arena.take((long) hidden * 2, "ffn norm");
                fill(synthetic, ffnNorm[l], TensorKind.FFN_NORM, l, 0);
                // Fused as the CPU engine fuses them: wq, wk, wv rows in one matrix; gate rows then up rows.
                wqkv[l] = arena.take((long) qkvDim * hidden * 2, "wqkv");
                fill(synthetic, wqkv[l], TensorKind.WQ, l, 0);
                fill(synthetic, wqkv[l], TensorKind.WK, l, (long) model.qDim() * hidden);
                fill(synthetic, wqkv[l], TensorKind.WV, l, (long) (model.qDim() + model.kvDim()) * hidden);
                wo[l] = arena.take((long) hidden * model.qDim() * 2, "wo");
                fill(synthetic, wo[l], TensorKind.WO, l, 0);
                wgu[l] = arena.take(2L * model.ffn() * hidden * 2, "w_gate|w_up");
                fill(synthetic, wgu[l], TensorKind.W_GATE, l, 0);
                fill(synthetic, wgu[l], TensorKind.W_UP, l, (long) model.ffn() * hidden);
                wdown[l] = arena.take((long) hidden * model.ffn() * 2, "w_down");
                fill(synthetic, wdown[l], TensorKind.W_DOWN, l, 0);
            }
            long kvPerLayer = options.kvPositions() * model.kvDim() * KV_BYTES;
            kCache = new CUdeviceptr[layers];
            vCache = new CUdeviceptr[layers];
            for (int l = 0; l < layers; l++) {
                kCache[l] = arena.take(kvPerLayer, "key cache");
                vCache[l] = arena.take(kvPerLayer, "value cache");
            }
            float[][] rope = RopeTables.of(model, options.maxContext());
            ropeCos = arena.take(4L * rope[0].length, "rope cos");
            ropeSin = arena.take(4L * rope[1].length, "rope sin");
            check(cuMemcpyHtoD(ropeCos, Pointer.to(rope[0]), 4L * rope[0].length), "cuMemcpyHtoD(rope cos)");
            check(cuMemcpyHtoD(ropeSin, Pointer.to(rope[1]), 4L * rope[1].length), "cuMemcpyHtoD(rope sin)");
            int p = passTokens;
            int s = options.maxSequences();
            x = arena.take((long) p * hidden * 4, "residual stream");
            h = arena.take((long) p * hidden * 2, "normalized activations");
            qkv = arena.take((long) p * qkvDim * 4, "qkv");
            q = arena.take((long) p * model.qDim() * 2, "rotated queries");
            attn = arena.take((long) p * model.qDim() * 2, "attention output");
            gu = arena.take((long) p * 2 * model.ffn() * 4, "gate|up");
            act = arena.take((long) p * model.ffn() * 2, "swiglu");
            long partials = EngineLayout.decodePartials(ops, model, options) * model.heads();
            partO = arena.take(partials * model.headDim() * 4, "decode partial outputs");
            partML = arena.take(partials * 2 * 4, "decode partial maxima and sums");
            headIn = arena.take((long) s * hidden * 2, "lm head input");
            logits = arena.take((long) s * model.vocab() * 4, "logits");
            ids = arena.take((long) s * 4, "next tokens");
            meta = EngineLayout.Meta.of(p, s, options.blocksPerSequence());
            metaDevice = arena.take((long) meta.ints() * 4, "step metadata");
            mh = PinnedBuffer.allocate((long) meta.ints() * 4);
            ih = PinnedBuffer.allocate((long) s * 4);
            ev = new CudaEvents();
            check(cuCtxSynchronize(), "cuCtxSynchronize (synthetic weights)");
        } catch (RuntimeException e) {
            closeQuietly(ev);
            closeQuietly(ih);
            closeQuietly(mh);
            closeQuietly(arena);
            throw e;
        }
        this.metaHost = mh;
        this.metaInts = mh.buffer().asIntBuffer();
        this.idsInts = ih.buffer().asIntBuffer();
        this.idsHost = ih;
        this.events = ev;
    }

    private void fill(Synthetic synthetic, CUdeviceptr base, TensorKind kind, int layer, long elementOffset) {
        synthetic.fill((CUdeviceptr) base.withByteOffset(elementOffset * 2), c, options.seed(), kind, layer);
    }

    @Override
    public ModelConfig model() {
        return c;
    }

    @Override
    public EngineOptions options() {
        return options;
    }

    @Override
    public int kvBytesPerElement() {
        return KV_BYTES;
    }

    /** Tokens per pass of this engine. */
    int passTokens() {
        return passTokens;
    }

    private CUdeviceptr metaPtr(int offsetInts) {
        return (CUdeviceptr) metaDevice.withByteOffset(4L * offsetInts);
    }

    /** One pass: pieces of chunks, each with its rows, and the chunks whose last token is in it. */
    private record Piece(int chunk, SequenceChunk ref, int from, int to) {
        int length() {
            return to - from;
        }

        int slot() {
            return ref.slot();
        }

        int startPosition() {
            return ref.startPosition();
        }

        /** Whether the chunk's last token is in this piece. */
        boolean last() {
            return to == ref.length();
        }
    }

    @Override
    public StepResult step(StepBatch batch) {
        if (closed) {
            throw new IllegalStateException("engine is closed");
        }
        batch.validate(c.vocab(), options);
        List<SequenceChunk> chunks = batch.chunks();
        int n = chunks.size();
        int[] next = new int[n];
        float[][] outLogits = batch.returnLogits() ? new float[n][] : null;
        try {
            events.recordStart(ops.launcher().stream());
            boolean decode = batch.tokenCount() == n;
            if (decode) {
                decodePass(chunks, next, outLogits);
            } else {
                for (List<Piece> pass : passes(chunks)) {
                    prefillPass(pass, next, outLogits);
                }
            }
            long nanos = events.recordEndAndWait(ops.launcher().stream());
            return new StepResult(next, outLogits, nanos);
        } catch (CudaException e) {
            throw new TokenmeterException("a step of " + batch.tokenCount() + " tokens in " + n + " sequences failed"
                    + " on the GPU: " + e.getMessage() + (Launcher.SYNC_EACH_LAUNCH ? ""
                    : " (set TOKENMETER_CUDA_SYNC=1 to synchronize after each kernel and name the one at fault)"), e);
        }
    }

    private List<List<Piece>> passes(List<SequenceChunk> chunks) {
        List<List<Piece>> passes = new ArrayList<>();
        List<Piece> current = new ArrayList<>();
        int room = passTokens;
        for (int i = 0; i < chunks.size(); i++) {
            SequenceChunk ch = chunks.get(i);
            int from = 0;
            while (from < ch.length()) {
                if (room == 0) {
                    passes.add(current);
                    current = new ArrayList<>();
                    room = passTokens;
                }
                int to = Math.min(ch.length(), from + room);
                current.add(new Piece(i, ch, from, to));
                room -= to - from;
                from = to;
            }
        }
        passes.add(current);
        return passes;
    }

    private void prefillPass(List<Piece> pass, int[] next, float[][] outLogits) {
        IntBuffer m = writableMeta();
        int t = 0;
        int longest = 0;
        List<Integer> finished = new ArrayList<>();
        for (int s = 0; s < pass.size(); s++) {
            Piece p = pass.get(s);
            m.put(meta.seqStart() + s, t);
            m.put(meta.seqLen() + s, p.length());
            m.put(meta.seqPos() + s, p.startPosition() + p.from());
            m.put(meta.seqSlot() + s, p.slot());
            putBlockTable(p.ref());
            longest = Math.max(longest, p.length());
            int[] tokens = p.ref().tokens();
            for (int i = p.from(); i < p.to(); i++, t++) {
                m.put(meta.tokens() + t, tokens[i]);
                m.put(meta.positions() + t, p.startPosition() + i);
                m.put(meta.slots() + t, p.slot());
            }
            if (p.last()) {
                m.put(meta.lastRows() + finished.size(), t - 1);
                finished.add(p.chunk());
            }
        }
        upload();
        int tokens = t;
        embedAndLayers(tokens, false, pass.size(), longest);
        if (!finished.isEmpty()) {
            head(finished.size(), metaPtr(meta.lastRows()));
            readNext(finished, next, outLogits);
        }
    }

    private void decodePass(List<SequenceChunk> chunks, int[] next, float[][] outLogits) {
        int b = chunks.size();
        IntBuffer m = writableMeta();
        List<Integer> order = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            SequenceChunk ch = chunks.get(i);
            m.put(meta.tokens() + i, ch.tokens()[0]);
            m.put(meta.positions() + i, ch.startPosition());
            m.put(meta.slots() + i, ch.slot());
            m.put(meta.ctxLen() + i, ch.startPosition() + 1);
            putBlockTable(ch);
            order.add(i);
        }
        upload();
        Graph g = decodeGraphs.get(b);
        if (g == null) {
            g = capture(b);
            decodeGraphs.put(b, g);
        }
        check(cuGraphLaunch(g.exec(), ops.launcher().stream()), "cuGraphLaunch(decode step, batch " + b + ")");
        readNext(order, next, outLogits);
    }

    private Graph capture(int b) {
        Launcher launcher = ops.launcher();
        check(cuStreamBeginCapture(launcher.stream(), CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                "cuStreamBeginCapture(decode step, batch " + b + ")");
        launcher.capturing(true);
        CUgraph graph = new CUgraph();
        try {
            embedAndLayers(b, true, b, 1);
            head(b, null);
        } finally {
            launcher.capturing(false);
            check(cuStreamEndCapture(launcher.stream(), graph), "cuStreamEndCapture(decode step, batch " + b + ")");
        }
        CUgraphExec exec = new CUgraphExec();
        try {
            check(cuGraphInstantiate(exec, graph, 0), "cuGraphInstantiate(decode step, batch " + b + ")");
            check(cuGraphUpload(exec, launcher.stream()), "cuGraphUpload(decode step, batch " + b + ")");
        } catch (RuntimeException e) {
            cuGraphDestroy(graph);
            throw e;
        }
        return new Graph(graph, exec);
    }

    /**
     * Writes the chunk's block table (its own, or its slot's run) into its slot's row of the metadata. Entries past
     * the chunk's positions, and rows of slots not in the step, keep earlier steps' values: no kernel reads them.
     */
    private void putBlockTable(SequenceChunk chunk) {
        int n = options.blocksPerSequence();
        int row = meta.blockTables() + chunk.slot() * n;
        int used = (int) ((chunk.endPosition() + options.kvBlockSize() - 1) / options.kvBlockSize());
        for (int i = 0; i < used; i++) {
            metaInts.put(row + i, options.block(chunk, i * options.kvBlockSize()));
        }
    }

    /**
     * The pinned metadata, once no copy reads it any more: a pass that returns no token (the first pieces of a prompt
     * longer than a pass) does not synchronize, so the next pass waits for its upload here before overwriting it.
     */
    private IntBuffer writableMeta() {
        if (metaInFlight) {
            events.waitFor(ops.launcher().stream());
            metaInFlight = false;
        }
        return metaInts;
    }

    /** Copies the step's metadata, written in place in pinned memory, to the device. */
    private void upload() {
        check(cuMemcpyHtoDAsync(metaDevice, metaHost.pointer(), 4L * meta.ints(), ops.launcher().stream()),
                "cuMemcpyHtoDAsync(step metadata)");
        metaInFlight = true;
    }

    private void embedAndLayers(int tokens, boolean decode, int sequences, int longest) {
        int hidden = c.hidden();
        ops.embed(metaPtr(meta.tokens()), embedding, x, tokens, hidden);
        int splits = decode ? ops.decodeSplits(sequences, c.kvHeads(), options.maxContext()) : 0;
        for (int l = 0; l < c.layers(); l++) {
            ops.rmsnorm(x, null, attnNorm[l], h, tokens, hidden, eps);
            ops.gemm(h, wqkv[l], qkv, tokens, qkvDim, hidden, CudaOps.Out.STORE);
            CudaOps.KvLayout kv = new CudaOps.KvLayout(kCache[l], vCache[l], metaPtr(meta.blockTables()),
                    options.kvBlockSize(), options.blocksPerSequence());
            ops.rope(qkv, metaPtr(meta.positions()), metaPtr(meta.slots()), ropeCos, ropeSin, q, kv, tokens,
                    c.heads(), c.kvHeads(), c.headDim());
            if (decode) {
                ops.attentionDecode(q, kv, metaPtr(meta.slots()), metaPtr(meta.ctxLen()), partO, partML, attn,
                        sequences, c.heads(), c.kvHeads(), c.headDim(), options.maxContext(), splits);
            } else {
                ops.attentionPrefill(q, kv, metaPtr(meta.seqStart()), metaPtr(meta.seqLen()), metaPtr(meta.seqPos()),
                        metaPtr(meta.seqSlot()), attn, sequences, longest, c.heads(), c.kvHeads(), c.headDim());
            }
            ops.gemm(attn, wo[l], x, tokens, hidden, c.qDim(), CudaOps.Out.ADD);
            ops.rmsnorm(x, null, ffnNorm[l], h, tokens, hidden, eps);
            ops.gemm(h, wgu[l], gu, tokens, 2 * c.ffn(), hidden, CudaOps.Out.STORE);
            ops.siluMul(gu, act, tokens, c.ffn());
            ops.gemm(act, wdown[l], x, tokens, hidden, c.ffn(), CudaOps.Out.ADD);
        }
    }

    /** Final norm of the given rows of x (null: rows 0..n-1), LM head, argmax into ids. */
    private void head(int n, CUdeviceptr rows) {
        ops.rmsnorm(x, rows, finalNorm, headIn, n, c.hidden(), eps);
        ops.gemm(headIn, lmHead, logits, n, c.vocab(), c.hidden(), CudaOps.Out.STORE);
        ops.argmax(logits, ids, n, c.vocab());
    }

    /** Copies the head's ids (and logits when asked) of chunks {@code order} back. */
    private void readNext(List<Integer> order, int[] next, float[][] outLogits) {
        int n = order.size();
        check(cuMemcpyDtoHAsync(idsHost.pointer(), ids, 4L * n, ops.launcher().stream()), "cuMemcpyDtoHAsync(next tokens)");
        events.waitFor(ops.launcher().stream());
        metaInFlight = false;
        for (int i = 0; i < n; i++) {
            next[order.get(i)] = idsInts.get(i);
        }
        if (outLogits != null) {
            float[] all = new float[n * c.vocab()];
            check(cuMemcpyDtoH(Pointer.to(all), logits, 4L * all.length), "cuMemcpyDtoH(logits)");
            for (int i = 0; i < n; i++) {
                outLogits[order.get(i)] = java.util.Arrays.copyOfRange(all, i * c.vocab(), (i + 1) * c.vocab());
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Graph g : decodeGraphs.values()) {
            cuGraphExecDestroy(g.exec());
            cuGraphDestroy(g.graph());
        }
        decodeGraphs.clear();
        closeQuietly(events);
        closeQuietly(idsHost);
        closeQuietly(metaHost);
        closeQuietly(arena);
        backend.engineClosed(this);
    }

    private static void closeQuietly(AutoCloseable a) {
        if (a == null) {
            return;
        }
        try {
            a.close();
        } catch (Exception e) {
            // After a kernel fault the context is unusable and frees fail; the process ends the context.
        }
    }
}
