package dev.tokenmeter.compare;

import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ServingPointResult;
import dev.tokenmeter.result.ServingSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Compares a candidate serving result ({@code tokenmeter serve}) with a baseline, point by point.
 *
 * <p>Points are matched by mode and label ({@link ServingPointKey}); a point only one result has is listed, not
 * compared. As for offline results, runs of different models, backends or devices are refused, and so are runs
 * whose serving spec differs in what shapes the load (lengths, request count, arrival process, seed, SLOs) or the
 * scheduler (sequences, step token budget, KV-cache blocks), unless forced, in which case the differences travel
 * with the comparison.
 *
 * <p>Nothing is tested for significance. A serving point is one run: its requests are correlated (each waits
 * behind those queued before it, so one slow step delays many), only its summaries are kept, and one run per side
 * gives no sample of runs to test. Each metric's relative difference is reported with {@link Verdict#NOT_TESTED}.
 * What is compared as a fact is each point's verdict: whether it met its SLOs and whether its load was sustained
 * ({@link ServingPointChange#verdict()}).
 */
public final class ServingComparer {
    /**
     * A serving spec field that must agree for two runs' points to be the same workload, with the option that
     * sets it and the modes that use it (a field a mode ignores, such as the lengths of a replayed trace, may
     * differ freely).
     */
    private record SpecField(String name, String option, Function<ServingSpec, Object> value,
            Predicate<String> usedBy) {
    }

    private static final Predicate<String> ALL = mode -> true;
    private static final Predicate<String> GENERATED = mode -> !ServingPointResult.TRACE.equals(mode);

    private static final List<SpecField> SPEC_FIELDS = List.of(
            new SpecField("mode", null, ServingSpec::mode, ALL),
            // The search always offers Poisson arrivals; only a rate sweep uses --burstiness.
            new SpecField("burstiness", "--burstiness", ServingSpec::burstiness, ServingPointResult.RATE::equals),
            new SpecField("trace", "--trace", ServingSpec::trace, ServingPointResult.TRACE::equals),
            new SpecField("traceScale", "--trace-scale", ServingSpec::traceScale, ServingPointResult.TRACE::equals),
            new SpecField("requests", "--requests", ServingSpec::requests, GENERATED),
            new SpecField("promptLength", "--prompt-len", ServingSpec::promptLength, GENERATED),
            new SpecField("outputLength", "--gen", ServingSpec::outputLength, GENERATED),
            new SpecField("slo", "--slo", ServingSpec::slo, ALL),
            new SpecField("maxSequences", "--max-seqs", ServingSpec::maxSequences, ALL),
            new SpecField("maxTokensPerStep", "--max-batch-tokens", ServingSpec::maxTokensPerStep, ALL),
            new SpecField("kvBlockSize", "--kv-block-size", ServingSpec::kvBlockSize, ALL),
            new SpecField("kvBlocks", "--kv-blocks", ServingSpec::kvBlocks, ALL));

    private final boolean force;

    /** @param force compare results whose setups differ, with warnings */
    public ServingComparer(boolean force) {
        this.force = force;
    }

    /** Whether {@code r} is a result of {@code tokenmeter serve}. */
    public static boolean isServing(Result r) {
        return Result.SERVING.equals(r.scenario());
    }

    public ServingComparison compare(Result baseline, Result candidate) {
        return compare("baseline", baseline, "candidate", candidate);
    }

    /**
     * @param baselineLabel  how messages name the baseline (its file name, say)
     * @param candidateLabel how messages name the candidate
     * @throws IncompatibleResultsException when the runs differ in setup and this comparer does not force
     * @throws IllegalArgumentException     when a result is not a serving one, they share no point, or a result is
     *                                      malformed (named)
     */
    public ServingComparison compare(String baselineLabel, Result baseline, String candidateLabel,
            Result candidate) {
        Objects.requireNonNull(baseline, "baseline");
        Objects.requireNonNull(candidate, "candidate");
        Comparer.requireSameScenario(baselineLabel, baseline, candidateLabel, candidate);
        if (!isServing(baseline)) {
            throw new IllegalArgumentException(baselineLabel + " and " + candidateLabel + " are offline results;"
                    + " Comparer compares them");
        }
        List<String> differences = differences(baselineLabel, baseline, candidateLabel, candidate);
        if (!differences.isEmpty() && !force) {
            throw new IncompatibleResultsException(baselineLabel, candidateLabel, differences);
        }
        Map<ServingPointKey, ServingPointResult> a = byPoint(baselineLabel, baseline);
        Map<ServingPointKey, ServingPointResult> b = byPoint(candidateLabel, candidate);
        List<ServingPointKey> onlyA = a.keySet().stream().filter(k -> !b.containsKey(k)).toList();
        List<ServingPointKey> onlyB = b.keySet().stream().filter(k -> !a.containsKey(k)).toList();
        if (onlyA.size() == a.size()) {
            throw new IllegalArgumentException(baselineLabel + " and " + candidateLabel + " have no point in common: "
                    + baselineLabel + " has " + names(a.keySet()) + "; " + candidateLabel + " has "
                    + names(b.keySet()));
        }

        List<ServingPointChange> points = new ArrayList<>();
        for (Map.Entry<ServingPointKey, ServingPointResult> e : a.entrySet()) {
            ServingPointResult pb = b.get(e.getKey());
            if (pb != null) {
                points.add(change(e.getKey(), e.getValue(), pb));
            }
        }

        List<String> warnings = new ArrayList<>();
        for (String d : differences) {
            warnings.add("compared although the runs differ: " + d);
        }
        warnings.addAll(runWarnings(baselineLabel, baseline, a));
        warnings.addAll(runWarnings(candidateLabel, candidate, b));
        return new ServingComparison(Comparer.side(baselineLabel, baseline),
                Comparer.side(candidateLabel, candidate), points, onlyA, onlyB, search(baseline, candidate),
                differences, warnings);
    }

    private static ServingPointChange change(ServingPointKey key, ServingPointResult a, ServingPointResult b) {
        List<ServingChange> changes = new ArrayList<>();
        for (ServingMetric m : ServingMetric.values()) {
            if (m == ServingMetric.GOODPUT && !ServingPointChange.sameSlos(a, b)) {
                continue;  // good requests under other limits are not the same count
            }
            double va = m.value(a);
            double vb = m.value(b);
            if (Double.isFinite(va) && Double.isFinite(vb)) {
                changes.add(ServingChange.of(key, m, va, vb));
            }
        }
        return new ServingPointChange(key, a, b, changes);
    }

    /**
     * How the two runs' setups differ, one item per difference, each naming both values: what
     * {@link Comparer#differences} names (scenario, model, backend, device), then the serving spec's fields that
     * define the workload and the scheduler, each with its {@code serve} option, and the seed, which for a serving
     * run draws the arrival times and lengths (for an offline run it only fills the weights and prompts, and may
     * differ). The rates or concurrencies swept may differ: points are matched. So may the search's bracket, the
     * warm-up, the time limit per point, thread counts and tokenmeter versions.
     */
    public static List<String> differences(String labelA, Result a, String labelB, Result b) {
        List<String> out = new ArrayList<>(Comparer.differences(labelA, a, labelB, b));
        ServingSpec sa = serving(a);
        ServingSpec sb = serving(b);
        if (sa == null || sb == null) {
            if (sa != sb) {
                out.add("serving spec: " + (sa == null ? "(not recorded)" : "recorded") + " in " + labelA + ", "
                        + (sb == null ? "(not recorded)" : "recorded") + " in " + labelB);
            }
            return out;
        }
        for (SpecField f : SPEC_FIELDS) {
            if (f.usedBy().test(sa.mode()) || f.usedBy().test(sb.mode())) {
                differ(out, "serving " + f.name() + (f.option() == null ? "" : " (" + f.option() + ")"),
                        f.value().apply(sa), f.value().apply(sb), labelA, labelB);
            }
        }
        if (GENERATED.test(sa.mode()) || GENERATED.test(sb.mode())) {
            differ(out, "seed (--seed: the arrivals and lengths)", a.spec().seed(), b.spec().seed(), labelA, labelB);
        }
        return out;
    }

    private static void differ(List<String> out, String what, Object a, Object b, String labelA, String labelB) {
        if (!Objects.equals(a, b)) {
            out.add(what + ": " + (a == null ? "(not recorded)" : a) + " in " + labelA + ", "
                    + (b == null ? "(not recorded)" : b) + " in " + labelB);
        }
    }

    private static ServingSpec serving(Result r) {
        RunSpec spec = r.spec();
        return spec == null ? null : spec.serving();
    }

    private static Map<ServingPointKey, ServingPointResult> byPoint(String label, Result r) {
        if (r.servingPoints().isEmpty()) {
            throw new IllegalArgumentException(label + ": malformed result: a serving result without serving points");
        }
        Map<ServingPointKey, ServingPointResult> out = new LinkedHashMap<>();
        for (ServingPointResult p : r.servingPoints()) {
            if (p == null || p.metrics() == null) {
                throw new IllegalArgumentException(label + ": malformed result: "
                        + (p == null ? "an empty serving point" : "serving point " + p.label() + " has no metrics"));
            }
            if (out.put(ServingPointKey.of(p), p) != null) {
                throw new IllegalArgumentException(label + ": malformed result: " + ServingPointKey.of(p)
                        + " is listed twice");
            }
        }
        return out;
    }

    /** The searches' answers from every probe (matched or not), or null when neither result is a search. */
    private static ServingComparison.Search search(Result a, Result b) {
        if (!hasSearch(a) && !hasSearch(b)) {
            return null;
        }
        return new ServingComparison.Search(highestPassing(a), highestPassing(b));
    }

    private static boolean hasSearch(Result r) {
        return r.servingPoints().stream().anyMatch(p -> ServingPointResult.SEARCH.equals(p.mode()));
    }

    /**
     * The highest probed rate that passed. Bisection only probes inside the bracket [highest passing, lowest
     * failing], so this is the search's own answer, recomputed from the points rather than parsed from its warning.
     */
    private static double highestPassing(Result r) {
        return r.servingPoints().stream().filter(p -> ServingPointResult.SEARCH.equals(p.mode()) && p.passes())
                .mapToDouble(ServingPointResult::offeredRate).max().orElse(Double.NaN);
    }

    private static List<String> runWarnings(String label, Result r, Map<ServingPointKey, ServingPointResult> points) {
        List<String> out = new ArrayList<>();
        if (!r.complete()) {
            out.add(label + " is an incomplete run (it stopped before all its points were measured)");
        }
        for (Map.Entry<ServingPointKey, ServingPointResult> e : points.entrySet()) {
            int incomplete = e.getValue().metrics().incomplete();
            if (incomplete > 0) {
                out.add(label + ", " + e.getKey() + ": " + incomplete + " request" + (incomplete == 1 ? "" : "s")
                        + " did not finish before the run ended (--max-duration) and are left out of its figures");
            }
        }
        return out;
    }

    private static String names(Iterable<ServingPointKey> keys) {
        List<String> out = new ArrayList<>();
        for (ServingPointKey k : keys) {
            out.add(k.toString());
        }
        return out.isEmpty() ? "no points" : String.join(", ", out);
    }
}
