package dev.tokenmeter.cpu;

import dev.tokenmeter.checkpoint.SyntheticCheckpoint;
import dev.tokenmeter.engine.Engine;
import dev.tokenmeter.engine.EngineOptions;
import dev.tokenmeter.engine.SequenceChunk;
import dev.tokenmeter.engine.StepBatch;
import dev.tokenmeter.engine.StepResult;
import dev.tokenmeter.model.ModelConfig;
import java.util.List;

/**
 * The CPU reference engine: bf16 weights, fp32 activations and KV cache, every operation spread over the worker
 * threads. A step gathers all its chunks' tokens into one [tokens, hidden] activation matrix, so the products
 * see the whole batch at once; attention then runs per (token, head) against each token's own slot.
 */
final class CpuEngine implements Engine {
    static final int KV_BYTES = Float.BYTES;

    private final ModelConfig c;
    private final EngineOptions options;
    private final Parallel parallel;
    private final MatMul matmul;
    private final CpuWeights w;
    /** keys[layer][block] and values[layer][block]: [position in block][kvDim] (the paged cache). */
    private final float[][][] keys;
    private final float[][][] values;
    private final float[] ropeCos;
    private final float[] ropeSin;
    private final ThreadLocal<float[]> matmulScratch;
    private final ThreadLocal<float[]> scoreScratch;
    private final float eps;
    private final int qkvDim;
    private final boolean vectorAttention;

    // Activations, grown to the largest step seen.
    private int capacity;
    private float[] x;
    private float[] h;
    private float[] qkv;
    private float[] attn;
    private float[] gateUp;
    private float[] act;
    private int[] tokenPos;
    /** Each token's block table (its chunk's, or its slot's own run of blocks). */
    private int[][] tokenTable;
    /** Each slot's own run of blocks, for chunks without a table; built when first needed. */
    private final int[][] ownTables;
    /** Last-token logits of a step, [chunk][vocab]; grown to the largest batch seen. */
    private float[] logits;
    private boolean closed;

    CpuEngine(ModelConfig model, EngineOptions options, Parallel parallel, MatMul matmul) {
        this.c = model;
        this.options = options;
        this.parallel = parallel;
        this.matmul = matmul;
        this.w = CpuWeights.generate(new SyntheticCheckpoint(model, options.seed()), parallel);
        this.keys = new float[model.layers()][options.kvBlocks()][];
        this.values = new float[model.layers()][options.kvBlocks()][];
        for (int l = 0; l < model.layers(); l++) {
            for (int b = 0; b < options.kvBlocks(); b++) {
                keys[l][b] = new float[options.kvBlockSize() * model.kvDim()];
                values[l][b] = new float[options.kvBlockSize() * model.kvDim()];
            }
        }
        float[][] rope = CpuOps.ropeTables(model, options.maxContext());
        this.ropeCos = rope[0];
        this.ropeSin = rope[1];
        int widest = Math.max(Math.max(model.hidden(), model.qDim()), model.ffn());
        this.matmulScratch = ThreadLocal.withInitial(() -> new float[matmul.scratchFloats(widest)]);
        this.scoreScratch = ThreadLocal.withInitial(() -> new float[options.maxContext()]);
        this.eps = (float) model.normEps();
        this.qkvDim = model.qDim() + 2 * model.kvDim();
        this.vectorAttention = VectorSupport.available();
        this.ownTables = new int[options.maxSequences()][];
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

    /** Floats of activation workspace a step of {@code tokens} tokens needs. */
    static long workspaceFloats(ModelConfig c, long tokens) {
        return tokens * (2L * c.hidden() + c.qDim() + 2L * c.kvDim() + c.qDim() + 3L * c.ffn());
    }

    @Override
    public StepResult step(StepBatch batch) {
        if (closed) {
            throw new IllegalStateException("engine is closed");
        }
        batch.validate(c.vocab(), options);
        long start = System.nanoTime();
        List<SequenceChunk> chunks = batch.chunks();
        int tokens = batch.tokenCount();
        ensureCapacity(tokens);
        int hidden = c.hidden();
        int t = 0;
        for (SequenceChunk chunk : chunks) {
            int[] table = chunk.blockTable() != null ? chunk.blockTable() : ownBlocks(chunk.slot());
            for (int i = 0; i < chunk.length(); i++, t++) {
                tokenPos[t] = chunk.startPosition() + i;
                tokenTable[t] = table;
                int row = chunk.tokens()[i] * hidden;
                for (int j = 0; j < hidden; j++) {
                    x[t * hidden + j] = Float.intBitsToFloat((w.embedding[row + j] & 0xFFFF) << 16);
                }
            }
        }
        for (int l = 0; l < c.layers(); l++) {
            layer(l, tokens);
        }
        return head(chunks, batch.returnLogits(), start);
    }

    private void layer(int l, int tokens) {
        CpuWeights.Layer lw = w.layers[l];
        int hidden = c.hidden();
        parallel.forRange(tokens, 8, 1, (a, b) -> CpuOps.rmsnorm(x, lw.attnNorm, eps, hidden, h, a, b));
        product(h, tokens, hidden, lw.wqkv, qkvDim, qkv, false);
        parallel.forRange(tokens, 16, 1, (a, b) -> ropeAndCache(l, a, b));
        int work = tokens * c.heads();
        parallel.forRange(work, 4, 1, (a, b) -> attention(l, a, b));
        product(attn, tokens, c.qDim(), lw.wo, hidden, x, true);
        parallel.forRange(tokens, 8, 1, (a, b) -> CpuOps.rmsnorm(x, lw.ffnNorm, eps, hidden, h, a, b));
        product(h, tokens, hidden, lw.wGateUp, 2 * c.ffn(), gateUp, false);
        parallel.forRange(tokens, 4, 1, (a, b) -> CpuOps.siluMul(gateUp, c.ffn(), act, a, b));
        product(act, tokens, c.ffn(), lw.wDown, hidden, x, true);
    }

    private void ropeAndCache(int l, int from, int to) {
        int kvDim = c.kvDim();
        for (int t = from; t < to; t++) {
            int o = t * qkvDim;
            int pos = tokenPos[t];
            CpuOps.rope(qkv, o, c.heads(), c.headDim(), ropeCos, ropeSin, pos);
            CpuOps.rope(qkv, o + c.qDim(), c.kvHeads(), c.headDim(), ropeCos, ropeSin, pos);
            int block = tokenTable[t][pos / options.kvBlockSize()];
            int row = (pos % options.kvBlockSize()) * kvDim;
            System.arraycopy(qkv, o + c.qDim(), keys[l][block], row, kvDim);
            System.arraycopy(qkv, o + c.qDim() + kvDim, values[l][block], row, kvDim);
        }
    }

    /** Work items are (token, query head) pairs; each token attends to its slot's positions up to its own. */
    private void attention(int l, int from, int to) {
        float[] scores = scoreScratch.get();
        int d = c.headDim();
        for (int item = from; item < to; item++) {
            int t = item / c.heads();
            int head = item % c.heads();
            int[] table = tokenTable[t];
            int bs = options.kvBlockSize();
            int kvHead = head / c.groupSize();
            if (vectorAttention) {
                VectorAttention.attendHead(qkv, t * qkvDim + head * d, keys[l], values[l], table, bs, c.kvDim(),
                        kvHead * d, d, tokenPos[t] + 1, scores, attn, t * c.qDim() + head * d);
            } else {
                CpuOps.attendHead(qkv, t * qkvDim + head * d, keys[l], values[l], table, bs, c.kvDim(),
                        kvHead * d, d, tokenPos[t] + 1, scores, attn, t * c.qDim() + head * d);
            }
        }
    }

    private StepResult head(List<SequenceChunk> chunks, boolean returnLogits, long start) {
        int n = chunks.size();
        int hidden = c.hidden();
        // Each chunk's last token, gathered into h (free by now: the layers are done) and normalized in place;
        // the buffers are reused so that a decode step allocates nothing of the size of its logits.
        int end = 0;
        for (int i = 0; i < n; i++) {
            end += chunks.get(i).length();
            System.arraycopy(x, (end - 1) * hidden, h, i * hidden, hidden);
        }
        CpuOps.rmsnorm(h, w.finalNorm, eps, hidden, h, 0, n);
        if (logits == null || logits.length < n * c.vocab()) {
            logits = new float[n * c.vocab()];
        }
        product(h, n, hidden, w.lmHead, c.vocab(), logits, false);
        int[] next = new int[n];
        float[][] out = returnLogits ? new float[n][] : null;
        for (int i = 0; i < n; i++) {
            next[i] = CpuOps.argmax(logits, i * c.vocab(), c.vocab());
            if (out != null) {
                out[i] = java.util.Arrays.copyOfRange(logits, i * c.vocab(), (i + 1) * c.vocab());
            }
        }
        return new StepResult(next, out, System.nanoTime() - start);
    }

    private void product(float[] in, int tokens, int inDim, short[] weights, int outDim, float[] out,
            boolean accumulate) {
        // Split over output rows: each thread widens its own weight rows once and applies them to every token.
        parallel.forRange(outDim, matmul.rowAlign(), matmul.rowAlign(), (a, b) -> matmul.rows(in, tokens, inDim,
                weights, outDim, out, accumulate, a, b, matmulScratch.get()));
    }

    /** A slot's own run of blocks, built on the slot's first chunk without a table and kept. */
    private int[] ownBlocks(int slot) {
        int[] table = ownTables[slot];
        if (table == null) {
            table = options.ownBlocks(slot);
            ownTables[slot] = table;
        }
        return table;
    }

    private void ensureCapacity(int tokens) {
        if (tokens <= capacity) {
            return;
        }
        x = new float[tokens * c.hidden()];
        h = new float[tokens * c.hidden()];
        qkv = new float[tokens * qkvDim];
        attn = new float[tokens * c.qDim()];
        gateUp = new float[tokens * 2 * c.ffn()];
        act = new float[tokens * c.ffn()];
        tokenPos = new int[tokens];
        tokenTable = new int[tokens][];
        capacity = tokens;
    }

    @Override
    public void close() {
        closed = true;
    }
}
