package dev.tokenmeter.result;

import java.util.ArrayList;
import java.util.List;

/**
 * One thing a reader of a report must be told, at one of three levels. Every renderer lists the same notices
 * in the same order, from {@link #of(Result)}, and only chooses how loudly to show each level.
 *
 * @param level how loud: an error makes figures wrong or partial
 * @param point the point it is about ("batch 1, prompt 8, output 4"), or null for the whole run
 * @param text  the message itself, without the point
 */
public record Notice(Level level, String point, String text) {
    /** Run-level warnings that start with this are errors: the figures they concern cannot be right. */
    public static final String MEASUREMENT_ERROR = "MEASUREMENT ERROR";

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

    /**
     * Every notice of a result: an incomplete run, then each point's notices, then what the scenario says of its
     * points together and of the figures it derives from the device's ceilings, then the run's own warnings.
     */
    public static List<Notice> of(Result r) {
        List<Notice> out = new ArrayList<>();
        if (!r.complete()) {
            out.add(new Notice(Level.ERROR, null, "INCOMPLETE RUN: only the points shown were measured"));
        }
        out.addAll(ofPoints(r.type(), r));
        for (String w : r.warnings()) {
            out.add(new Notice(w.startsWith(MEASUREMENT_ERROR) ? Level.ERROR : Level.WARNING, null, w));
        }
        return out;
    }

    /** One point's notices, as its scenario gives them. */
    public static List<Notice> of(Result r, ScenarioPoint point) {
        return ofPoint(r.type(), point);
    }

    private static <S extends ScenarioSpec, P extends ScenarioPoint> List<Notice> ofPoints(ScenarioType<S, P> type,
            Result r) {
        List<P> points = r.points(type.pointType());
        List<Notice> out = new ArrayList<>();
        for (P p : points) {
            out.addAll(type.notices(p));
        }
        out.addAll(type.notices(type.specType().cast(r.spec().scenario()), points));
        if (r.environment() != null && r.environment().device() != null) {
            out.addAll(type.ceilingNotices(r.environment().device(), points));
        }
        return out;
    }

    private static <S extends ScenarioSpec, P extends ScenarioPoint> List<Notice> ofPoint(ScenarioType<S, P> type,
            ScenarioPoint point) {
        return type.notices(type.pointType().cast(point));
    }
}
