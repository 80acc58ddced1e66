package dev.tokenmeter.compare;

import static dev.tokenmeter.result.TextTable.UNDEFINED;

import dev.tokenmeter.result.ServingPointResult;
import dev.tokenmeter.result.TextTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders a {@link ServingComparison} as a console report or as Markdown: who was compared, a table of the points'
 * verdicts on each side (the lines that matter most: a point that stopped meeting its SLOs or became OVERLOADED),
 * a table of the metrics' differences, a paragraph saying that these are single runs and untested, a count, each
 * verdict change with its reason, the searches' answers, the points only one side has, and warnings. The gate's
 * lines ({@link #gateLines}) are separate so that they can come last, as for offline results.
 */
public final class ServingComparisonRenderer {
    private static final String[] VERDICT_HEADERS = {"point", "baseline SLO", "baseline load", "candidate SLO",
        "candidate load", "verdict"};
    private static final String[] METRIC_HEADERS = {"point", "metric", "baseline", "candidate", "change",
        "verdict"};

    /**
     * What the numbers are and are not, printed under the tables. The 10% is docs/performance.md's: two identical
     * CPU runs of llama-110m whose searches answered 1.92 and 2.14 req/s, and whose TPOT p99 at 2 req/s was 94.1
     * and 102.9 ms.
     */
    static final List<String> SINGLE_RUNS = List.of(
            "Serving points are single runs: each value is one run's figure (a percentile over that run's requests),",
            "and the change is relative to the baseline. Nothing is tested for significance: one run per side is no",
            "sample, and the requests of a run are correlated through the queue. Two identical runs can differ by",
            "about 10% (on the CPU, two SLO searches answered 1.92 and 2.14 req/s): repeat both runs before trusting",
            "a difference of that size. Only a verdict change (a point that stopped meeting its SLOs or became",
            "OVERLOADED) is a regression.");

    private ServingComparisonRenderer() {
    }

    public static String console(ServingComparison c) {
        StringBuilder sb = new StringBuilder();
        sb.append("baseline   ").append(ComparisonRenderer.side(c.baseline())).append('\n');
        sb.append("candidate  ").append(ComparisonRenderer.side(c.candidate())).append('\n');
        sb.append('\n');
        TextTable verdicts = new TextTable();
        for (String h : VERDICT_HEADERS) {
            verdicts.left(h);
        }
        for (ServingPointChange p : c.points()) {
            verdicts.row(verdictCells(p));
        }
        sb.append(verdicts.render()).append('\n');
        TextTable metrics = new TextTable().left(METRIC_HEADERS[0]).left(METRIC_HEADERS[1]).right(METRIC_HEADERS[2])
                .right(METRIC_HEADERS[3]).right(METRIC_HEADERS[4]).left(METRIC_HEADERS[5]);
        for (ServingChange m : c.changes()) {
            metrics.row(metricCells(m));
        }
        sb.append(metrics.render());
        for (String line : SINGLE_RUNS) {
            sb.append(line).append('\n');
        }
        sb.append('\n').append(tally(c)).append('\n');
        for (String line : notes(c)) {
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    public static String markdown(ServingComparison c) {
        StringBuilder sb = new StringBuilder();
        MarkdownTables.sides(sb, c.baseline(), c.candidate());
        header(sb, VERDICT_HEADERS, new boolean[VERDICT_HEADERS.length]);
        for (ServingPointChange p : c.points()) {
            row(sb, verdictCells(p), p.verdict());
        }
        sb.append('\n');
        header(sb, METRIC_HEADERS, new boolean[] {false, false, true, true, true, false});
        for (ServingChange m : c.changes()) {
            row(sb, metricCells(m), m.verdict());
        }
        sb.append('\n').append(escape(String.join(" ", SINGLE_RUNS))).append("\n\n").append(escape(tally(c)))
                .append('\n');
        MarkdownTables.notes(sb, notes(c));
        return sb.toString();
    }

    /**
     * The gate's verdict, meant as the report's last lines: one "REGRESSION: ..." line per point whose verdict got
     * worse, in table order, or a line saying there is none and that the threshold did not apply.
     */
    public static List<String> gateLines(ServingComparison c, RegressionGate gate) {
        List<ServingPointChange> failures = gate.failures(c);
        if (failures.isEmpty()) {
            return List.of("no verdict regression: no point stopped meeting its SLOs or became OVERLOADED (serving"
                    + " points are single runs: their differences are not tested, and " + gate.describe()
                    + " does not apply to them)");
        }
        List<String> out = new ArrayList<>();
        for (ServingPointChange p : failures) {
            out.add("REGRESSION: " + p.point() + ": " + what(p) + " (" + c.candidate().label() + ": "
                    + state(p.candidate()) + ")");
        }
        return out;
    }

    private static String[] verdictCells(ServingPointChange p) {
        return new String[] {p.point().toString(), slo(p.baseline()), load(p.baseline()), slo(p.candidate()),
            load(p.candidate()), p.verdict().label()};
    }

    private static String[] metricCells(ServingChange m) {
        return new String[] {m.point().toString(), m.metric().labelWithUnit(), TextTable.significant(m.baseline(), 4),
            TextTable.significant(m.candidate(), 4), ComparisonRenderer.percent(m.relativeChange(), true),
            m.verdict().label()};
    }

    /** "met" or "missed" (every SLO at its percentile), {@value TextTable#UNDEFINED} without SLOs. */
    private static String slo(ServingPointResult p) {
        return p.slo() == null ? UNDEFINED : p.slo().meetsSlo() ? "met" : "missed";
    }

    /** "steady", "OVERLOADED" (loud: its latencies are not steady-state) or "not judged". */
    private static String load(ServingPointResult p) {
        if (p.load() == null) {
            return UNDEFINED;
        }
        return switch (p.load().status()) {
            case "STEADY" -> "steady";
            case "OVERLOADED" -> "OVERLOADED";
            case "NOT_JUDGED" -> "not judged";
            default -> p.load().status();
        };
    }

    /** How the point's verdict moved: "stopped meeting its SLOs and became OVERLOADED". */
    static String what(ServingPointChange p) {
        List<String> moves = new ArrayList<>();
        if (p.stoppedMeetingSlos()) {
            moves.add("stopped meeting its SLOs");
        }
        if (p.startedMeetingSlos()) {
            moves.add("now meets its SLOs");
        }
        if (p.becameOverloaded()) {
            moves.add("became OVERLOADED");
        }
        if (p.noLongerOverloaded()) {
            moves.add("is no longer OVERLOADED");
        }
        return moves.isEmpty() ? "verdict unchanged" : String.join(" and ", moves);
    }

    /** One side's verdicts with the SLOs it missed: "missed tpot:p99 102.9 ms > 100 ms, OVERLOADED". */
    static String state(ServingPointResult p) {
        String slo;
        if (p.slo() == null) {
            slo = "no SLO";
        } else if (p.slo().meetsSlo()) {
            slo = "SLOs met";
        } else {
            List<String> missed = new ArrayList<>();
            for (ServingPointResult.SloCheckResult check : p.slo().checks()) {
                if (!check.met()) {
                    missed.add(String.format(Locale.ROOT, "%s:p%d %s ms > %s ms", check.metric(), check.percentile(),
                            TextTable.significant(check.measuredMs(), 4), TextTable.significant(check.limitMs(), 4)));
                }
            }
            slo = missed.isEmpty() ? "SLOs missed" : "missed " + String.join(", ", missed);
        }
        String load = switch (load(p)) {
            case UNDEFINED -> "load not recorded";
            case "not judged" -> "load not judged";
            default -> load(p);
        };
        return slo + ", " + load;
    }

    private static String tally(ServingComparison c) {
        int points = c.points().size();
        int regressions = c.regressions().size();
        int improvements = c.improvements().size();
        int metrics = c.changes().size();
        return String.format(Locale.ROOT, "%d point%s compared: %d verdict regression%s, %d verdict improvement%s,"
                + " %d unchanged; %d metric difference%s reported, not tested", points, points == 1 ? "" : "s",
                regressions, regressions == 1 ? "" : "s", improvements, improvements == 1 ? "" : "s",
                points - regressions - improvements, metrics, metrics == 1 ? "" : "s");
    }

    private static List<String> notes(ServingComparison c) {
        List<String> out = new ArrayList<>();
        for (ServingPointChange p : c.points()) {
            if (p.verdict() != Verdict.UNCHANGED) {
                out.add(p.verdict().label() + " at " + p.point() + ": " + what(p) + " (" + c.baseline().label() + ": "
                        + state(p.baseline()) + "; " + c.candidate().label() + ": " + state(p.candidate()) + ")");
            }
        }
        if (c.search() != null) {
            ServingComparison.Search s = c.search();
            out.add("SLO search: highest rate that passed " + rate(s.baselineHighestPassing()) + " in "
                    + c.baseline().label() + ", " + rate(s.candidateHighestPassing()) + " in " + c.candidate().label()
                    + (Double.isFinite(s.relativeChange()) ? " (" + ComparisonRenderer.percent(s.relativeChange(), true)
                            + ", not tested)" : ""));
        }
        for (ServingPointKey k : c.onlyInBaseline()) {
            out.add("only in " + c.baseline().label() + " (not compared): " + k);
        }
        for (ServingPointKey k : c.onlyInCandidate()) {
            out.add("only in " + c.candidate().label() + " (not compared): " + k);
        }
        for (String w : c.warnings()) {
            out.add("warning: " + w);
        }
        return out;
    }

    private static String rate(double reqPerSecond) {
        return Double.isNaN(reqPerSecond) ? "none" : TextTable.significant(reqPerSecond, 3) + " req/s";
    }

    private static void header(StringBuilder sb, String[] headers, boolean[] right) {
        MarkdownTables.header(sb, headers, right);
    }

    private static void row(StringBuilder sb, String[] cells, Verdict verdict) {
        MarkdownTables.row(sb, cells, verdict);
    }

    private static String escape(String markdown) {
        return MarkdownTables.escape(markdown);
    }
}
