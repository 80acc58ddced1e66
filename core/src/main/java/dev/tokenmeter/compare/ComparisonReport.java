package dev.tokenmeter.compare;

import static dev.tokenmeter.result.TextTable.UNDEFINED;

import dev.tokenmeter.result.TextTable;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders a {@link Comparison} of any scenario as a console report or as Markdown (for a pull-request comment or a
 * CI job summary): who was compared; where the scenario judges its points, a table of each point's judgements on
 * both sides; one row per point and metric (the two means, the change, and where tested its 95% interval, p-value
 * and verdict); what the numbers are; a count; each judgement that moved, the runs' own figures, the points only
 * one side has, and warnings. The gate's lines ({@link #gateLines}) are separate so that they can come last.
 */
public final class ComparisonReport {
    private static final List<String> VERDICT_HEADERS = List.of("point", "baseline SLO", "baseline load",
            "candidate SLO", "candidate load", "verdict");

    /**
     * What single-run numbers are and are not, printed under their table. The 10% is docs/performance.md's: two
     * identical CPU runs of llama-110m whose searches answered 1.92 and 2.14 req/s.
     */
    static final List<String> SINGLE_RUNS = List.of(
            "Serving points are single runs: each value is one run's figure (a percentile over that run's requests),",
            "and the change is relative to the baseline. Nothing is tested for significance: one run per side is no",
            "sample, and the requests of a run are correlated through the queue. Two identical runs can differ by",
            "about 10% (on the CPU, two SLO searches answered 1.92 and 2.14 req/s): repeat both runs before trusting",
            "a difference of that size (serve --repeat N measures each point N times, and compare then tests the",
            "runs). Only a verdict change (a point that stopped meeting its SLOs or became OVERLOADED) is a",
            "regression.");

    private ComparisonReport() {
    }

    public static String console(Comparison c) {
        StringBuilder sb = new StringBuilder();
        sb.append("baseline   ").append(side(c.baseline())).append('\n');
        sb.append("candidate  ").append(side(c.candidate())).append('\n');
        sb.append('\n');
        if (!c.points().isEmpty()) {
            TextTable verdicts = new TextTable();
            VERDICT_HEADERS.forEach(verdicts::left);
            for (PointChange p : c.points()) {
                verdicts.row(verdictCells(p));
            }
            sb.append(verdicts.render()).append('\n');
        }
        TextTable t = new TextTable();
        List<String> headers = metricHeaders(c);
        for (int i = 0; i < headers.size(); i++) {
            if (rightAligned(c, i)) {
                t.right(headers.get(i));
            } else {
                t.left(headers.get(i));
            }
        }
        for (MetricChange m : c.changes()) {
            t.row(cells(c, m));
        }
        sb.append(t.render());
        for (String line : legend(c)) {
            sb.append(line).append('\n');
        }
        sb.append('\n').append(tally(c)).append('\n');
        for (String line : notes(c)) {
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    public static String markdown(Comparison c) {
        StringBuilder sb = new StringBuilder();
        MarkdownTables.sides(sb, c.baseline(), c.candidate());
        if (!c.points().isEmpty()) {
            MarkdownTables.header(sb, VERDICT_HEADERS, new boolean[VERDICT_HEADERS.size()]);
            for (PointChange p : c.points()) {
                MarkdownTables.row(sb, verdictCells(p), p.verdict());
            }
            sb.append('\n');
        }
        List<String> headers = metricHeaders(c);
        boolean[] right = new boolean[headers.size()];
        for (int i = 0; i < right.length; i++) {
            right[i] = rightAligned(c, i);
        }
        MarkdownTables.header(sb, headers, right);
        for (MetricChange m : c.changes()) {
            MarkdownTables.row(sb, cells(c, m), m.verdict());
        }
        sb.append('\n').append(MarkdownTables.escape(String.join(" ", legend(c)))).append("\n\n")
                .append(MarkdownTables.escape(tally(c))).append('\n');
        MarkdownTables.notes(sb, notes(c));
        return sb.toString();
    }

    /**
     * The gate's verdict, meant as the report's last lines: one "REGRESSION: ..." line per failing metric, worst
     * first, and per point whose judgement got worse, or one line saying there is none; then one "MISSING: ..." line
     * per thing the candidate lacks ({@link RegressionGate#missing}), which fails the gate too.
     */
    public static List<String> gateLines(Comparison c, RegressionGate gate) {
        List<String> out = new ArrayList<>();
        for (MetricChange m : gate.failures(c)) {
            out.add(String.format(Locale.ROOT, "REGRESSION: %s: %s %s (95%% CI %s to %s), p=%s, beyond %s", m.point(),
                    m.metric().label(), percent(m.relativeChange(), true), percent(m.relativeCiLow(), true),
                    percent(m.relativeCiHigh(), true), p(m.pAdjusted()), gate.describe()));
        }
        for (PointChange p : gate.verdictFailures(c)) {
            out.add("REGRESSION: " + p.point() + ": " + p.what() + " (" + c.candidate().label() + ": "
                    + p.candidate().state() + ")");
        }
        if (out.isEmpty()) {
            out.add(noRegression(c, gate));
        }
        for (String m : gate.missing(c)) {
            out.add("MISSING: " + m + " (the gate does not pass on points that were not measured)");
        }
        return out;
    }

    /** The line that says no compared point regressed. */
    private static String noRegression(Comparison c, RegressionGate gate) {
        if (!c.tested()) {
            return "no verdict regression: no point stopped meeting its SLOs or became OVERLOADED (serving"
                    + " points are single runs: their differences are not tested, and " + gate.describe()
                    + " does not apply to them)";
        }
        int within = c.regressions().size();
        return "no significant regression beyond " + gate.describe() + (within == 0 ? ""
                : " (" + within + " significant regression" + (within == 1 ? "" : "s") + " within it)")
                + (c.points().isEmpty() ? "" : "; no point's verdict got worse");
    }

    /** The key columns, then metric, the two means, the change and, where tested, the p-value and the verdict. */
    private static List<String> metricHeaders(Comparison c) {
        List<String> out = new ArrayList<>(c.keyHeaders());
        out.addAll(c.tested() ? List.of("metric", "baseline", "candidate", "change ±95% CI", "p", "verdict")
                : List.of("metric", "baseline", "candidate", "change", "verdict"));
        return out;
    }

    /** Key columns of numbers, the figures, the change and the p-value are right-aligned; names are not. */
    private static boolean rightAligned(Comparison c, int column) {
        int keys = c.keyHeaders().size();
        if (column < keys) {
            return !c.keyHeaders().equals(List.of("point"));
        }
        int rest = column - keys;
        return rest != 0 && column != metricHeaders(c).size() - 1;
    }

    private static String[] cells(Comparison c, MetricChange m) {
        List<String> out = new ArrayList<>(m.key());
        out.add(m.metric().labelWithUnit());
        out.add(TextTable.significant(m.baselineMean(), 4));
        out.add(TextTable.significant(m.candidateMean(), 4));
        if (c.tested()) {
            out.add(change(m));
            out.add(m.verdict() == Verdict.TOO_FEW_TRIALS ? UNDEFINED : p(m.pAdjusted()));
        } else {
            out.add(percent(m.relativeChange(), true));
        }
        out.add(m.verdict().label());
        return out.toArray(String[]::new);
    }

    private static String change(MetricChange m) {
        if (!Double.isFinite(m.relativeCiLow())) {
            return percent(m.relativeChange(), true);
        }
        double half = (m.relativeCiHigh() - m.relativeCiLow()) / 2;
        return percent(m.relativeChange(), true) + " ±" + percent(half, false);
    }

    private static String[] verdictCells(PointChange p) {
        return new String[] {p.point(), p.baseline().sloCell(), p.baseline().loadCell(), p.candidate().sloCell(),
            p.candidate().loadCell(), p.verdict().label()};
    }

    private static List<String> legend(Comparison c) {
        if (!c.tested()) {
            return SINGLE_RUNS;
        }
        int trialsA = c.changes().stream().mapToInt(MetricChange::baselineTrials).max().orElse(0);
        int trialsB = c.changes().stream().mapToInt(MetricChange::candidateTrials).max().orElse(0);
        int rows = c.testedRows();
        int measurements = c.testedMeasurements();
        return List.of(String.format(Locale.ROOT, "Means over trials (up to %d baseline, %d candidate); change of the"
                + " mean relative to the baseline; p: the larger of Welch's t and Mann-Whitney U (two-sided),"
                + " Holm-adjusted over %d tests%s, significant below %s.", trialsA, trialsB, measurements,
                rows == measurements ? "" : " (one per distinct measurement: TPOT and the decode step are the same"
                        + " samples)", BigDecimal.valueOf(c.alpha()).stripTrailingZeros().toPlainString()));
    }

    private static String tally(Comparison c) {
        long points = c.changes().stream().map(MetricChange::point).distinct().count();
        points = Math.max(points, c.points().size());
        List<String> parts = new ArrayList<>();
        if (c.tested()) {
            int regressions = c.regressions().size();
            int improvements = c.improvements().size();
            int tooFew = c.changes().size() - c.testedRows();
            int same = c.testedRows() - regressions - improvements;
            parts.add(String.format(Locale.ROOT, "%s, %s, %d without significant change%s",
                    plural(regressions, "significant regression"), plural(improvements, "improvement"), same,
                    tooFew == 0 ? "" : ", " + tooFew + " with too few trials to test"));
        }
        if (!c.points().isEmpty()) {
            int regressions = c.verdictRegressions().size();
            int improvements = c.verdictImprovements().size();
            parts.add(String.format(Locale.ROOT, "%s, %s, %d unchanged", plural(regressions, "verdict regression"),
                    plural(improvements, "verdict improvement"), c.points().size() - regressions - improvements));
        }
        String out = plural((int) points, "point") + " compared: " + String.join("; ", parts);
        if (!c.tested()) {
            out += (parts.isEmpty() ? "" : "; ") + plural(c.changes().size(), "metric difference")
                    + " reported, not tested";
        }
        return out;
    }

    private static String plural(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    private static List<String> notes(Comparison c) {
        List<String> out = new ArrayList<>();
        for (PointChange p : c.points()) {
            if (p.verdict() != Verdict.UNCHANGED) {
                out.add(p.verdict().label() + " at " + p.point() + ": " + p.what() + " (" + c.baseline().label()
                        + ": " + p.baseline().state() + "; " + c.candidate().label() + ": " + p.candidate().state()
                        + ")");
            }
        }
        for (Comparison.RunFigureChange f : c.runFigures()) {
            out.add(f.label() + " " + figure(f.baseline(), f.unit()) + " in " + c.baseline().label() + ", "
                    + figure(f.candidate(), f.unit()) + " in " + c.candidate().label()
                    + (Double.isFinite(f.relativeChange()) ? " (" + percent(f.relativeChange(), true)
                            + ", not tested)" : ""));
        }
        for (String k : c.onlyInBaseline()) {
            out.add("only in " + c.baseline().label() + " (not compared): " + k);
        }
        for (String k : c.onlyInCandidate()) {
            out.add("only in " + c.candidate().label() + " (not compared): " + k);
        }
        for (String w : c.warnings()) {
            out.add("warning: " + w);
        }
        return out;
    }

    private static String figure(double value, String unit) {
        return Double.isNaN(value) ? "none" : TextTable.significant(value, 3) + " " + unit;
    }

    /** "a.json: tiny on cpu (device), tokenmeter 0.1.0 (commit abc), started ...". */
    static String side(Comparison.Side s) {
        StringBuilder sb = new StringBuilder(s.label()).append(": ");
        sb.append(s.model() == null ? "model not recorded" : s.model());
        sb.append(" on ").append(s.backend() == null ? "?" : s.backend());
        if (s.device() != null) {
            sb.append(" (").append(s.device()).append(')');
        }
        if (s.version() != null) {
            sb.append(", tokenmeter ").append(s.version());
        }
        if (s.startedAt() != null) {
            sb.append(", started ").append(s.startedAt());
        }
        return sb.toString();
    }

    /** A fraction as a percentage, one decimal from 1% up and two below: "+5.3%", "-0.42%", "0.6%". */
    static String percent(double fraction, boolean signed) {
        if (!Double.isFinite(fraction)) {
            return UNDEFINED;
        }
        double v = fraction * 100;
        int decimals = Math.abs(v) >= 1 || v == 0 ? 1 : 2;
        return String.format(Locale.ROOT, signed ? "%+." + decimals + "f%%" : "%." + decimals + "f%%", v);
    }

    /** A threshold as the user would write it: "3%", "0.5%", "12.5%". */
    static String threshold(double fraction) {
        // Rounded to 10 digits: 0.07 * 100 is 7.000000000000001 in binary floating point.
        return BigDecimal.valueOf(fraction * 100).round(new MathContext(10)).stripTrailingZeros().toPlainString()
                + "%";
    }

    /** A p-value: three decimals, or scientific notation below 0.001. */
    static String p(double p) {
        if (!Double.isFinite(p)) {
            return UNDEFINED;
        }
        return p < 1e-3 ? String.format(Locale.ROOT, "%.1e", p) : String.format(Locale.ROOT, "%.3f", p);
    }
}
