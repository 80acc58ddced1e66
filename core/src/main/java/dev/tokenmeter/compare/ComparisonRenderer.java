package dev.tokenmeter.compare;

import static dev.tokenmeter.result.TextTable.UNDEFINED;

import dev.tokenmeter.result.TextTable;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders a {@link Comparison} as a console report or as Markdown (for a pull-request comment or a CI job
 * summary): who was compared, one row per point and metric (baseline and candidate means, the change with its
 * 95% interval, the p-value, the verdict), a count of verdicts, the points only one side has, and warnings.
 * The gate's lines ({@link #gateLines}) are separate so that they can come last.
 */
public final class ComparisonRenderer {
    private static final String[] HEADERS = {"batch", "prompt", "output", "metric", "baseline", "candidate",
        "change ±95% CI", "p", "verdict"};

    private ComparisonRenderer() {
    }

    public static String console(Comparison c) {
        StringBuilder sb = new StringBuilder();
        sb.append("baseline   ").append(side(c.baseline())).append('\n');
        sb.append("candidate  ").append(side(c.candidate())).append('\n');
        sb.append('\n');
        TextTable t = new TextTable().right(HEADERS[0]).right(HEADERS[1]).right(HEADERS[2]).left(HEADERS[3])
                .right(HEADERS[4]).right(HEADERS[5]).right(HEADERS[6]).right(HEADERS[7]).left(HEADERS[8]);
        for (MetricChange m : c.changes()) {
            t.row(cells(m));
        }
        sb.append(t.render());
        sb.append(legend(c)).append('\n');
        sb.append('\n').append(tally(c)).append('\n');
        for (String line : notes(c)) {
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    public static String markdown(Comparison c) {
        StringBuilder sb = new StringBuilder();
        MarkdownTables.sides(sb, c.baseline(), c.candidate());
        boolean[] right = new boolean[HEADERS.length];
        for (int i = 0; i < right.length; i++) {
            right[i] = i != 3 && i != 8;
        }
        MarkdownTables.header(sb, HEADERS, right);
        for (MetricChange m : c.changes()) {
            MarkdownTables.row(sb, cells(m), m.verdict());
        }
        sb.append('\n').append(escape(legend(c))).append("\n\n").append(escape(tally(c))).append('\n');
        MarkdownTables.notes(sb, notes(c));
        return sb.toString();
    }

    /**
     * The gate's verdict, meant as the report's last lines: one "REGRESSION: ..." line per failing metric, worst
     * first, or "no significant regression beyond 3%".
     */
    public static List<String> gateLines(Comparison c, RegressionGate gate) {
        List<MetricChange> failures = gate.failures(c);
        if (failures.isEmpty()) {
            int within = c.regressions().size();
            return List.of("no significant regression beyond " + gate.describe() + (within == 0 ? ""
                    : " (" + within + " significant regression" + (within == 1 ? "" : "s") + " within it)"));
        }
        List<String> out = new ArrayList<>();
        for (MetricChange m : failures) {
            out.add(String.format(Locale.ROOT, "REGRESSION: %s: %s %s (95%% CI %s to %s), p=%s, beyond %s", m.point(),
                    m.metric().label(), percent(m.relativeChange(), true), percent(m.relativeCiLow(), true),
                    percent(m.relativeCiHigh(), true), p(m.pAdjusted()), gate.describe()));
        }
        return out;
    }

    private static String[] cells(MetricChange m) {
        PointKey k = m.point();
        return new String[] {Integer.toString(k.batch()), Integer.toString(k.promptLength()),
            Integer.toString(k.outputLength()), m.metric().labelWithUnit(),
            TextTable.significant(m.baselineMean(), 4), TextTable.significant(m.candidateMean(), 4), change(m),
            m.verdict() == Verdict.TOO_FEW_TRIALS ? UNDEFINED : p(m.pAdjusted()), m.verdict().label()};
    }

    private static String change(MetricChange m) {
        if (!Double.isFinite(m.relativeCiLow())) {
            return percent(m.relativeChange(), true);
        }
        double half = (m.relativeCiHigh() - m.relativeCiLow()) / 2;
        return percent(m.relativeChange(), true) + " ±" + percent(half, false);
    }

    private static String legend(Comparison c) {
        int trialsA = c.changes().stream().mapToInt(MetricChange::baselineTrials).max().orElse(0);
        int trialsB = c.changes().stream().mapToInt(MetricChange::candidateTrials).max().orElse(0);
        return String.format(Locale.ROOT, "Means over trials (up to %d baseline, %d candidate); change of the mean"
                + " relative to the baseline; p: the larger of Welch's t and Mann-Whitney U (two-sided),"
                + " Holm-adjusted over %d tests, significant below %s.", trialsA, trialsB, c.tested(),
                BigDecimal.valueOf(c.alpha()).stripTrailingZeros().toPlainString());
    }

    private static String tally(Comparison c) {
        int regressions = c.regressions().size();
        int improvements = c.improvements().size();
        int tooFew = c.changes().size() - c.tested();
        int same = c.tested() - regressions - improvements;
        long points = c.changes().stream().map(MetricChange::point).distinct().count();
        return String.format(Locale.ROOT, "%d point%s compared: %d significant regression%s, %d improvement%s,"
                + " %d without significant change%s", points, points == 1 ? "" : "s", regressions,
                regressions == 1 ? "" : "s", improvements, improvements == 1 ? "" : "s", same,
                tooFew == 0 ? "" : ", " + tooFew + " with too few trials to test");
    }

    private static List<String> notes(Comparison c) {
        List<String> out = new ArrayList<>();
        for (PointKey k : c.onlyInBaseline()) {
            out.add("only in " + c.baseline().label() + " (not compared): " + k);
        }
        for (PointKey k : c.onlyInCandidate()) {
            out.add("only in " + c.candidate().label() + " (not compared): " + k);
        }
        for (String w : c.warnings()) {
            out.add("warning: " + w);
        }
        return out;
    }

    /** "a.json: tiny on cpu (device), tokenmeter 0.1.0 (commit abc), started ..."; shared with the serving report. */
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

    private static String escape(String markdown) {
        return MarkdownTables.escape(markdown);
    }
}
