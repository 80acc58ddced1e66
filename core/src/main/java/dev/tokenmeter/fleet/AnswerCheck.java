package dev.tokenmeter.fleet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Finds ranks that compute wrong answers. Every rank decodes the same synthetic prompts on the same synthetic model
 * ({@link Answer}); ranks of one group (the same device, software and backend) must agree. Where the backend is
 * deterministic they must agree bit for bit with their group's majority; where it is not (the CUDA backend's split-K
 * GEMM adds partial sums in whatever order they arrive) their tokens must be the majority's and their largest final
 * logits within the verification tolerance of the group's median, {@code |x − ref| ≤ 0.05·rms + 0.05·|ref|}, the
 * tolerance {@code tokenmeter verify} holds the whole forward to against the CPU reference. A rank that disagrees is
 * a possible silent data corruption. A group with no majority cannot say which rank is right: all of its ranks are
 * flagged.
 */
public final class AnswerCheck {
    /** The forward check's tolerance: atol is this share of the logits' RMS. */
    public static final double ATOL_RMS = 0.05;
    /** The forward check's relative tolerance. */
    public static final double RTOL = 0.05;

    private AnswerCheck() {
    }

    /**
     * One rank's answer and the group it belongs to.
     *
     * @param rank   how the verdict names the rank ("rank 3")
     * @param group  ranks that must agree share this: device, software, backend ("NVIDIA H200 / tokenmeter 0.1.0
     *               abc123 / cuda")
     * @param answer what it computed
     */
    public record Entry(String rank, String group, Answer answer) {
        public Entry {
            Objects.requireNonNull(rank, "rank");
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(answer, "answer");
        }
    }

    /** What the check says of a rank. */
    public enum Status {
        /** Agrees with its group's majority. */
        AGREES,
        /** Differs from its group's majority, or its group has none: a possible silent data corruption. */
        DISAGREES,
        /** The only rank of its group: nothing to compare with (its verify run still held it to the CPU). */
        UNCHECKED
    }

    /**
     * A rank's verdict.
     *
     * @param status agrees, disagrees or unchecked
     * @param how    how it was compared: "bit-exact with 3 other ranks", "within the verification tolerance of 7
     *               other ranks"
     * @param detail what differs, for a rank that disagrees ("tokens differ in request 2 from position 5"); null
     *               otherwise
     */
    public record Verdict(Status status, String how, String detail) {
        public Verdict {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(how, "how");
        }

        /** A possible silent data corruption. */
        public boolean wrong() {
            return status == Status.DISAGREES;
        }

        /** "agrees (bit-exact with 3 other ranks)", "DISAGREES: … (…)". */
        public String describe() {
            return switch (status) {
                case AGREES -> "agrees (" + how + ")";
                case UNCHECKED -> "unchecked (" + how + ")";
                case DISAGREES -> "DISAGREES: " + detail + " (" + how + ")";
            };
        }
    }

    /** Each entry's verdict, by its rank name, in the entries' order. */
    public static Map<String, Verdict> check(List<Entry> entries) {
        Map<String, List<Entry>> groups = new LinkedHashMap<>();
        for (Entry e : entries) {
            // Ranks that ran another check (another seed or shape) cannot be compared with each other.
            Answer a = e.answer();
            String key = e.group() + " / check " + a.seed() + ":" + a.requests() + "x" + a.promptLength() + "+"
                    + a.outputLength();
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(e);
        }
        Map<String, Verdict> out = new LinkedHashMap<>();
        for (List<Entry> group : groups.values()) {
            Map<String, Verdict> verdicts = checkGroup(group);
            out.putAll(verdicts);
        }
        Map<String, Verdict> ordered = new LinkedHashMap<>();
        for (Entry e : entries) {
            ordered.put(e.rank(), out.get(e.rank()));
        }
        return ordered;
    }

    private static Map<String, Verdict> checkGroup(List<Entry> group) {
        Map<String, Verdict> out = new HashMap<>();
        if (group.size() == 1) {
            out.put(group.get(0).rank(), new Verdict(Status.UNCHECKED, "the only rank of " + group.get(0).group(),
                    null));
            return out;
        }
        boolean deterministic = group.stream().allMatch(e -> e.answer().deterministic());
        Map<String, List<Entry>> byDigest = new HashMap<>();
        for (Entry e : group) {
            String digest = deterministic ? e.answer().tokensSha256() + e.answer().logitsSha256()
                    : e.answer().tokensSha256();
            byDigest.computeIfAbsent(digest, k -> new ArrayList<>()).add(e);
        }
        List<Entry> majority = byDigest.values().stream().filter(l -> 2 * l.size() > group.size()).findFirst()
                .orElse(null);
        String others = (group.size() - 1) + " other rank" + (group.size() == 2 ? "" : "s");
        String how = deterministic ? "bit-exact with " + others : "within the verification tolerance of " + others;
        if (majority == null) {
            String detail = String.format(Locale.ROOT, "no majority among the %d ranks of %s: %d different %s",
                    group.size(), group.get(0).group(), byDigest.size(), deterministic ? "answers" : "token sequences");
            for (Entry e : group) {
                out.put(e.rank(), new Verdict(Status.DISAGREES, how, detail));
            }
            return out;
        }
        Answer reference = majority.get(0).answer();
        List<List<Answer.Logit>> median = deterministic ? null : medianTop(majority);
        for (Entry e : group) {
            Answer a = e.answer();
            String difference;
            if (deterministic) {
                difference = a.bitExact(reference) ? null : bitDifference(a, reference);
            } else {
                difference = !a.sameTokens(reference) ? tokenDifference(a, reference) : logitDifference(a, median);
            }
            out.put(e.rank(), difference == null ? new Verdict(Status.AGREES, how, null)
                    : new Verdict(Status.DISAGREES, how, difference + "; the majority is " + majority.size() + " of "
                            + group.size()));
        }
        return out;
    }

    private static String bitDifference(Answer a, Answer reference) {
        if (!a.sameTokens(reference)) {
            return tokenDifference(a, reference);
        }
        return "the same tokens, but final logits whose bits differ from the majority's";
    }

    private static String tokenDifference(Answer a, Answer reference) {
        for (int r = 0; r < a.requests(); r++) {
            int[] got = a.tokens().get(r);
            int[] want = reference.tokens().get(r);
            for (int i = 0; i < Math.min(got.length, want.length); i++) {
                if (got[i] != want[i]) {
                    return "generated tokens differ from the majority's in request " + r + " from position " + i
                            + " (" + got[i] + " instead of " + want[i] + ")";
                }
            }
        }
        return "generated tokens differ from the majority's";
    }

    /** The first of {@code a}'s top logits outside the tolerance of the group's median, or null. */
    private static String logitDifference(Answer a, List<List<Answer.Logit>> median) {
        for (int r = 0; r < a.requests(); r++) {
            double atol = ATOL_RMS * a.logitsRms()[r];
            List<Answer.Logit> got = a.top().get(r);
            float smallestKept = got.isEmpty() ? Float.NEGATIVE_INFINITY : got.get(got.size() - 1).value();
            for (Answer.Logit want : median.get(r)) {
                Float value = valueOf(got, want.token());
                double allowed = atol + RTOL * Math.abs(want.value());
                // A token that fell out of the top logits is below the smallest one kept.
                double diff = value != null ? Math.abs(value - want.value())
                        : Math.max(0, want.value() - smallestKept);
                if (!(diff <= allowed)) {
                    return String.format(Locale.ROOT, "final logit of token %d in request %d is %s, the group's median"
                            + " %.4g (|diff| %.3g > allowed %.3g)", want.token(), r,
                            value == null ? "outside the top " + Answer.TOP_K : String.format(Locale.ROOT, "%.4g",
                                    value), want.value(), diff, allowed);
                }
            }
        }
        return null;
    }

    /** Per request, the tokens of the first majority answer's top logits, each valued at the majority's median. */
    private static List<List<Answer.Logit>> medianTop(List<Entry> majority) {
        Answer first = majority.get(0).answer();
        List<List<Answer.Logit>> out = new ArrayList<>();
        for (int r = 0; r < first.requests(); r++) {
            List<Answer.Logit> row = new ArrayList<>();
            for (Answer.Logit l : first.top().get(r)) {
                double[] values = new double[majority.size()];
                int n = 0;
                for (Entry e : majority) {
                    Float v = valueOf(e.answer().top().get(r), l.token());
                    if (v != null) {
                        values[n++] = v;
                    }
                }
                double[] present = Arrays.copyOf(values, n);
                Arrays.sort(present);
                double m = n % 2 == 1 ? present[n / 2] : (present[n / 2 - 1] + present[n / 2]) / 2;
                row.add(new Answer.Logit(l.token(), (float) m));
            }
            out.add(row);
        }
        return out;
    }

    private static Float valueOf(List<Answer.Logit> top, int token) {
        for (Answer.Logit l : top) {
            if (l.token() == token) {
                return l.value();
            }
        }
        return null;
    }
}
