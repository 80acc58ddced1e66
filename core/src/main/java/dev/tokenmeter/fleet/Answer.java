package dev.tokenmeter.fleet;

import dev.tokenmeter.engine.GreedyGeneration;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * What a rank computed on the fleet's fixed check: greedy decoding of DESIGN's synthetic prompts on the synthetic
 * model, the same on every rank ({@link GreedyGeneration}). Ranks of one device and software compare these to find
 * a GPU that computes wrong answers: the digests bit for bit where the backend's kernels are deterministic, the
 * tokens and the largest final logits within the verification tolerance where they are not.
 *
 * @param backend       the backend that computed it ("cpu", "cuda")
 * @param deterministic whether that backend gives the same bits for the same inputs on every run
 * @param seed          seed of the weights and prompts
 * @param requests      sequences decoded together
 * @param promptLength  tokens per prompt
 * @param outputLength  tokens generated per sequence
 * @param tokensSha256  SHA-256 of every generated token (big-endian ints, request by request)
 * @param logitsSha256  SHA-256 of the bits of every final logit (the step that chose each last token)
 * @param tokens        the generated tokens, per request
 * @param top           the {@value #TOP_K} largest final logits per request, largest first
 * @param logitsRms     root mean square of each request's final logits (the scale of the verification tolerance)
 */
public record Answer(String backend, boolean deterministic, long seed, int requests, int promptLength,
        int outputLength, String tokensSha256, String logitsSha256, List<int[]> tokens, List<List<Logit>> top,
        double[] logitsRms) {
    /** Final logits kept per request for comparisons within a tolerance. */
    public static final int TOP_K = 8;

    /** One logit: the token it scores and its value. */
    public record Logit(int token, float value) {
    }

    public Answer {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(tokensSha256, "tokensSha256");
        Objects.requireNonNull(logitsSha256, "logitsSha256");
        tokens = List.copyOf(Objects.requireNonNull(tokens, "tokens"));
        top = List.copyOf(Objects.requireNonNull(top, "top"));
        Objects.requireNonNull(logitsRms, "logitsRms");
        if (tokens.size() != requests || top.size() != requests || logitsRms.length != requests) {
            throw new IllegalArgumentException("an answer holds tokens, top logits and an RMS for each of its "
                    + requests + " requests; got " + tokens.size() + ", " + top.size() + " and " + logitsRms.length);
        }
    }

    /** The answer of one greedy generation's outputs. */
    public static Answer of(String backend, boolean deterministic, long seed, int promptLength,
            List<GreedyGeneration.Output> outputs) {
        MessageDigest tokenDigest = sha256();
        MessageDigest logitDigest = sha256();
        List<int[]> tokens = new ArrayList<>();
        List<List<Logit>> top = new ArrayList<>();
        double[] rms = new double[outputs.size()];
        int outputLength = outputs.isEmpty() ? 0 : outputs.get(0).generated().length;
        for (int r = 0; r < outputs.size(); r++) {
            GreedyGeneration.Output o = outputs.get(r);
            ByteBuffer tb = ByteBuffer.allocate(4 * o.generated().length);
            for (int t : o.generated()) {
                tb.putInt(t);
            }
            tokenDigest.update(tb.array());
            float[] logits = o.finalLogits();
            ByteBuffer lb = ByteBuffer.allocate(4 * logits.length);
            double sumSq = 0;
            for (float v : logits) {
                lb.putInt(Float.floatToRawIntBits(v));
                sumSq += (double) v * v;
            }
            logitDigest.update(lb.array());
            rms[r] = Math.sqrt(sumSq / Math.max(1, logits.length));
            tokens.add(o.generated().clone());
            top.add(top(logits));
        }
        return new Answer(backend, deterministic, seed, outputs.size(), promptLength, outputLength,
                HexFormat.of().formatHex(tokenDigest.digest()), HexFormat.of().formatHex(logitDigest.digest()), tokens,
                top, rms);
    }

    /** Whether both computed the same check (same seed and shape), so that their answers may be compared. */
    public boolean sameCheck(Answer other) {
        return seed == other.seed && requests == other.requests && promptLength == other.promptLength
                && outputLength == other.outputLength;
    }

    /** Whether the two are the same bits: the same tokens and the same final logits. */
    public boolean bitExact(Answer other) {
        return tokensSha256.equals(other.tokensSha256) && logitsSha256.equals(other.logitsSha256);
    }

    /** Whether the generated tokens are the same. */
    public boolean sameTokens(Answer other) {
        return tokensSha256.equals(other.tokensSha256);
    }

    private static List<Logit> top(float[] logits) {
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        // Largest first; a NaN (itself a wrong answer) sorts first, so that it is seen.
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        List<Logit> out = new ArrayList<>();
        for (int i = 0; i < Math.min(TOP_K, order.length); i++) {
            out.add(new Logit(order[i], logits[order[i]]));
        }
        return out;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Answer a && backend.equals(a.backend) && deterministic == a.deterministic
                && sameCheck(a) && bitExact(a);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tokensSha256, logitsSha256);
    }

    @Override
    public String toString() {
        return "Answer[" + backend + ", tokens " + tokensSha256.substring(0, 12) + ", logits "
                + logitsSha256.substring(0, 12) + "]";
    }
}
