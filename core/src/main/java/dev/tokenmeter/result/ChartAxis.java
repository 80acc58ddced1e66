package dev.tokenmeter.result;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A numeric axis of an {@link SvgChart}: its domain, its ticks (about five round values on a linear axis, powers
 * of two on a logarithmic one) and their labels.
 */
final class ChartAxis {
    private final double lo;
    private final double hi;
    private final boolean log;
    private final double[] ticks;
    private final int decimals;

    private ChartAxis(double lo, double hi, boolean log, double[] ticks, int decimals) {
        this.lo = lo;
        this.hi = hi;
        this.log = log;
        this.ticks = ticks;
        this.decimals = decimals;
    }

    /** A linear axis over [min, max], widened to round ticks (about five of them). */
    static ChartAxis linear(double min, double max) {
        if (!(max > min)) {
            double pad = max == 0 ? 1 : Math.abs(max) * 0.5;
            min = min == 0 && max >= 0 ? 0 : min - pad;
            max = max + pad;
        }
        double step = niceStep((max - min) / 5);
        double lo = Math.floor(min / step + 1e-9) * step;
        double hi = Math.ceil(max / step - 1e-9) * step;
        if (hi - max < 0.04 * (hi - lo)) {
            hi += step; // headroom: a point on the frame's top edge would have no room for its label
        }
        int n = (int) Math.round((hi - lo) / step);
        double[] ticks = new double[n + 1];
        for (int i = 0; i <= n; i++) {
            ticks[i] = lo + i * step;
        }
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        if (step * Math.pow(10, decimals) % 1 != 0) {
            decimals++; // 2.5, 0.25 ...
        }
        return new ChartAxis(lo, hi, false, ticks, decimals);
    }

    /** A base-2 logarithmic axis over [min, max] (both positive), with ticks at powers of two. */
    static ChartAxis log2(double min, double max) {
        int a = (int) Math.floor(log2(min));
        int b = (int) Math.ceil(log2(max));
        if (b == a) {
            a--;
            b++;
        }
        int every = Math.max(1, (int) Math.ceil((b - a + 1) / 10.0));
        List<Double> t = new ArrayList<>();
        for (int e = a; e <= b; e += every) {
            t.add(Math.pow(2, e));
        }
        // A quarter of a doubling beyond the outer ticks, so that no marker sits on the frame.
        return new ChartAxis(Math.pow(2, a - 0.25), Math.pow(2, b + 0.25), true,
                t.stream().mapToDouble(Double::doubleValue).toArray(), 0);
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }

    /** 1, 2, 2.5 or 5 times a power of ten: the least not below {@code raw}. */
    static double niceStep(double raw) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * magnitude >= raw * (1 - 1e-9)) {
                return m * magnitude;
            }
        }
        return 10 * magnitude;
    }

    /** Where {@code v} lies, from 0 (the low end) to 1 (the high end). */
    double position(double v) {
        return log ? (log2(v) - log2(lo)) / (log2(hi) - log2(lo)) : (v - lo) / (hi - lo);
    }

    double[] ticks() {
        return ticks.clone();
    }

    /** A tick's (or a value's) label with the decimals the tick step needs; scientific for tiny steps. */
    String label(double v) {
        if (log) {
            return v >= 1 ? String.format(Locale.ROOT, "%.0f", v) : TextTable.significant(v, 2);
        }
        if (decimals > 4 || Math.abs(v) >= 1e7) {
            return v == 0 ? "0" : String.format(Locale.ROOT, "%.2g", v);
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
