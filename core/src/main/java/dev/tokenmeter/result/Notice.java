package dev.tokenmeter.result;

import dev.tokenmeter.metrics.Roofline;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One thing a reader of a report must be told, at one of three levels. Every renderer lists the same notices
 * in the same order, from {@link #of(Result)}, and only chooses how loudly to show each level.
 *
 * @param level how loud: an error makes figures wrong or partial
 * @param point the point it is about ("batch 1, prompt 8, output 4"), or null for the whole run
 * @param text  the message itself, without the point
 */
public record Notice(Level level, String point, String text) {
    public enum Level {
        /** Figures are wrong or partial: a roofline violation, an incomplete run. */
        ERROR,
        /** Figures are right but a reader should know (a point cut short by its budget). */
        WARNING,
        /** Context for reading the figures (MBU above 100% from a cache-resident working set). */
        NOTE
    }

    /** "batch 1, prompt 8, output 4: text", or the text alone for a run-level notice. */
    public String message() {
        return point == null ? text : point + ": " + text;
    }

    /** The point's label as notices use it. */
    public static String pointLabel(PointResult p) {
        return String.format(Locale.ROOT, "batch %d, prompt %d, output %d", p.batch(), p.promptLength(),
                p.outputLength());
    }

    /**
     * Every notice of a result: an incomplete run, then each point's warnings (roofline violations as errors,
     * listed once even where the point's warnings already quote them), each serving point's warnings, one note for
     * cache-resident points, then the run's own warnings.
     */
    public static List<Notice> of(Result r) {
        List<Notice> out = new ArrayList<>();
        List<String> cached = new ArrayList<>();
        if (!r.complete()) {
            out.add(new Notice(Level.ERROR, null, "INCOMPLETE RUN: only the points shown were measured"));
        }
        for (PointResult p : r.points()) {
            out.addAll(ofPoint(p));
            if (p.roofline() != null && p.roofline().cacheResident()) {
                cached.add(pointLabel(p));
            }
        }
        for (ServingPointResult p : r.servingPoints()) {
            out.addAll(ofServingPoint(p));
        }
        if (!cached.isEmpty()) {
            // One line for all of them: on a CPU with a small model that is every point.
            out.add(new Notice(Level.NOTE, null, "the working set fits in the device's last-level cache, so MBU"
                    + " above 100% is possible and not an error: " + (cached.size() == r.points().size()
                            && cached.size() > 1 ? "all points" : String.join("; ", cached))));
        }
        for (String w : r.warnings()) {
            out.add(new Notice(w.startsWith("MEASUREMENT ERROR") ? Level.ERROR : Level.WARNING, null, w));
        }
        return out;
    }

    /** One point's warnings, its roofline violation included (once) as an error. */
    public static List<Notice> ofPoint(PointResult p) {
        List<Notice> out = new ArrayList<>();
        String where = pointLabel(p);
        Roofline roof = p.roofline();
        String violation = roof == null ? null : roof.violation();
        boolean violationListed = false;
        for (String w : p.warnings()) {
            boolean loud = (violation != null && w.contains(violation)) || w.startsWith("MEASUREMENT ERROR");
            violationListed |= loud;
            out.add(new Notice(loud ? Level.ERROR : Level.WARNING, where, w));
        }
        if (violation != null && !violationListed) {
            out.add(new Notice(Level.ERROR, where, "MEASUREMENT ERROR: " + violation));
        }
        return out;
    }

    /**
     * One serving point's warnings: an overloaded load (its latencies are not steady-state), and requests the run
     * ended before finishing (left out of every figure).
     */
    public static List<Notice> ofServingPoint(ServingPointResult p) {
        List<Notice> out = new ArrayList<>();
        if (p.load() != null && p.load().overloaded()) {
            out.add(new Notice(Level.WARNING, p.label(), p.load().reason()));
        }
        if (p.metrics() != null && p.metrics().incomplete() > 0) {
            out.add(new Notice(Level.WARNING, p.label(), String.format(Locale.ROOT, "%d of %d requests unfinished"
                    + " when the run ended (time limit): they are left out of the latencies and rates",
                    p.metrics().incomplete(), p.requests())));
        }
        return out;
    }
}
