package dev.tokenmeter.scenario.fleet;

import dev.tokenmeter.fleet.AnswerCheck;
import dev.tokenmeter.fleet.Finding;
import dev.tokenmeter.fleet.Rank;
import dev.tokenmeter.fleet.RankGpu;
import dev.tokenmeter.fleet.RankRecord;
import dev.tokenmeter.fleet.StragglerOutcome;
import dev.tokenmeter.fleet.StragglerTest;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.result.ScenarioType;
import dev.tokenmeter.telemetry.DeviceTelemetry;
import dev.tokenmeter.telemetry.GpuIdentity;
import dev.tokenmeter.telemetry.TelemetryWindow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fleet's verdict on its ranks, made once when a folder is merged: every GPU's headline rate at each point, its
 * rate against the fleet's median GPU, the straggler test's call, and the answer check's. The points it makes carry
 * all of it, so that renderers and {@code compare} only read.
 */
final class FleetVerdict {
    /** The headline metric: every scenario names its output rate so. */
    static final String HEADLINE = "output tok/s";

    private FleetVerdict() {
    }

    /** One rank's measured point, before the verdict. */
    private record Measured(RankRecord rank, ScenarioPoint point, double[] samples, double median, double qps,
            TelemetryWindow telemetry) {
    }

    /**
     * The fleet's points, rank by rank: a failed rank is one point saying why (its partial points are in its file),
     * a finished rank one point per point it measured.
     */
    static List<FleetPoint> points(FleetSpec spec, RunSpec rankSpec, Map<Integer, RankRecord> usable,
            Map<Integer, String> failures, List<String> notes) {
        ScenarioType<?, ?> type = rankSpec.scenario().type();
        List<String> labels = new ArrayList<>();
        Map<Integer, List<Measured>> measured = new LinkedHashMap<>();
        for (RankRecord r : usable.values()) {
            if (failures.containsKey(r.rank())) {
                continue;
            }
            List<Measured> list = new ArrayList<>();
            DeviceTelemetry telemetry = r.result().environment() == null ? null : r.result().environment()
                    .telemetry();
            List<ScenarioPoint> own = r.result().points();
            for (int i = 0; i < own.size(); i++) {
                ScenarioPoint p = own.get(i);
                double[] s = FleetMerge.samples(type, p, HEADLINE);
                if (!labels.contains(p.label())) {
                    labels.add(p.label());
                }
                list.add(new Measured(r, p, s, s.length == 0 ? Double.NaN : median(s), requestsPerSecond(type, p),
                        telemetry == null ? null : telemetry.windowOf(i, p.label())));
            }
            measured.put(r.rank(), list);
        }
        // The straggler test: each GPU's trials at each point the fleet measured.
        List<Rank> tested = new ArrayList<>();
        for (Map.Entry<Integer, List<Measured>> e : measured.entrySet()) {
            List<double[]> perPoint = new ArrayList<>();
            for (String label : labels) {
                perPoint.add(e.getValue().stream().filter(m -> m.point().label().equals(label) && m.samples().length
                        > 0).map(Measured::samples).findFirst().orElse(null));
            }
            tested.add(new Rank(Integer.toString(e.getKey()), perPoint));
        }
        Map<String, Finding> findings = new HashMap<>();
        Map<Integer, Double> fleetMedian = new HashMap<>();
        if (!tested.isEmpty()) {
            StragglerOutcome outcome = StragglerTest.run(tested, new StragglerTest.Options(spec.stragglerAlpha(),
                    spec.stragglerMinDeficit()));
            for (Finding f : outcome.all()) {
                findings.put(f.rankId() + "/" + f.point(), f);
            }
            for (String note : outcome.notes()) {
                // The test numbers the points; the report names them.
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("^point (\\d+)").matcher(note);
                notes.add("straggler test: " + (m.find() ? labels.get(Integer.parseInt(m.group(1)))
                        + note.substring(m.end()) : note));
            }
        }
        for (int k = 0; k < labels.size(); k++) {
            String label = labels.get(k);
            double[] medians = measured.values().stream().flatMap(List::stream).filter(m -> m.point().label()
                    .equals(label) && Double.isFinite(m.median())).mapToDouble(Measured::median).toArray();
            fleetMedian.put(k, medians.length == 0 ? Double.NaN : median(medians));
        }
        Map<String, AnswerCheck.Verdict> answers = AnswerCheck.check(usable.values().stream()
                .filter(r -> r.answer() != null && !failures.containsKey(r.rank()))
                .map(r -> new AnswerCheck.Entry(Integer.toString(r.rank()), group(r), r.answer())).toList());
        List<FleetPoint> out = new ArrayList<>();
        for (int rank = 0; rank < spec.ranks(); rank++) {
            RankRecord r = usable.get(rank);
            if (failures.containsKey(rank)) {
                out.add(failed(rank, r, failures.get(rank)));
                continue;
            }
            AnswerCheck.Verdict verdict = answers.get(Integer.toString(rank));
            for (Measured m : measured.get(rank)) {
                int k = labels.indexOf(m.point().label());
                Finding f = findings.get(rank + "/" + k);
                FleetPoint.Straggler call = f == null ? null : new FleetPoint.Straggler(f.deficit(), f.deficitLow(),
                        f.z(), f.adjustedP(), f.confidence(), f.straggler());
                out.add(new FleetPoint(rank, r.node(), r.host(), gpu(r), device(r), software(r), null, m.point(),
                        m.samples(), m.median(), m.qps(), m.median() / fleetMedian.get(k), call, verdict, r.verify(),
                        r.fault(), m.telemetry(), warnings(r)));
            }
            if (measured.get(rank).isEmpty()) {
                out.add(failed(rank, r, "it finished without measuring a point"));
            }
        }
        return out;
    }

    private static FleetPoint failed(int rank, RankRecord r, String why) {
        return new FleetPoint(rank, r == null ? "?" : r.node(), r == null ? null : r.host(), r == null ? null
                : gpu(r), r == null ? null : device(r), r == null ? null : software(r), why, null, null, Double.NaN,
                Double.NaN, Double.NaN, null, null, r == null ? null : r.verify(), r == null ? null : r.fault(), null,
                r == null ? List.of() : warnings(r));
    }

    /** The rank's GPU, with the identity its telemetry read (UUID, PCI bus, name) where it read one. */
    private static RankGpu gpu(RankRecord r) {
        DeviceTelemetry t = r.result() == null || r.result().environment() == null ? null
                : r.result().environment().telemetry();
        if (r.gpu() == null || t == null || t.gpu() == null) {
            return r.gpu();
        }
        GpuIdentity id = t.gpu();
        return r.gpu().withDevice(id.uuid(), id.pciBusId(), id.name());
    }

    /**
     * The rank's run warnings, and what its telemetry saw that bears on its answers: ECC errors or retired pages
     * that rose while it ran.
     */
    private static List<String> warnings(RankRecord r) {
        List<String> out = new ArrayList<>(r.result() == null ? List.of() : r.result().warnings());
        DeviceTelemetry t = r.result() == null || r.result().environment() == null ? null
                : r.result().environment().telemetry();
        if (t != null && t.eccStart() != null && t.eccEnd() != null) {
            rose(out, "uncorrected ECC errors", t.eccStart().volatileUncorrected(), t.eccEnd().volatileUncorrected());
            rose(out, "corrected ECC errors", t.eccStart().volatileCorrected(), t.eccEnd().volatileCorrected());
        }
        if (t != null && t.retiredPagesStart() != null && t.retiredPagesEnd() != null) {
            rose(out, "pages retired for double-bit errors", t.retiredPagesStart().doubleBitEcc(),
                    t.retiredPagesEnd().doubleBitEcc());
        }
        return out;
    }

    private static void rose(List<String> out, String what, Long start, Long end) {
        if (start != null && end != null && end > start) {
            out.add("its GPU's " + what + " rose from " + start + " to " + end + " while it ran");
        }
    }

    /** Ranks that must compute the same bits, or agree within tolerance: one device, software and backend. */
    static String group(RankRecord r) {
        return device(r) + " / " + software(r);
    }

    private static String device(RankRecord r) {
        Result res = r.result();
        return res == null || res.environment() == null || res.environment().device() == null
                ? (r.gpu() == null ? "unknown device" : r.gpu().name()) : res.environment().device().name();
    }

    private static String software(RankRecord r) {
        Result res = r.result();
        Environment e = res == null ? null : res.environment();
        String backend = r.answer() != null ? r.answer().backend() : e != null && e.device() != null
                ? e.device().backend() : "?";
        return e == null ? backend : "tokenmeter " + e.tokenmeterVersion() + " (" + e.gitCommit() + "), " + e.jvm()
                + ", " + backend;
    }

    /** A point's median requests per second, as its own scenario gives it. */
    private static <S extends dev.tokenmeter.result.ScenarioSpec, P extends ScenarioPoint> double requestsPerSecond(
            ScenarioType<S, P> type, ScenarioPoint p) {
        return type.requestsPerSecond(type.pointType().cast(p));
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
