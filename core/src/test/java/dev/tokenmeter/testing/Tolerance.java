package dev.tokenmeter.testing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.opentest4j.AssertionFailedError;

/**
 * Elementwise comparison against a reference with STYLE's rule {@code |x − ref| ≤ atol + rtol·|ref|}. A failure
 * names how many elements broke the bound and lists the worst ones (index, value, reference, absolute and
 * relative error, and the error as a multiple of what was allowed), so that a failure can be read without a
 * debugger. NaN or an infinity where the reference is finite always fails; equal infinities pass.
 */
public final class Tolerance {
    /** Worst elements listed in a failure message. */
    private static final int SHOWN = 8;

    private final double atol;
    private final double rtol;

    private Tolerance(double atol, double rtol) {
        if (!(atol >= 0) || !(rtol >= 0)) {
            throw new IllegalArgumentException("atol and rtol must be >= 0, got " + atol + ", " + rtol);
        }
        this.atol = atol;
        this.rtol = rtol;
    }

    public static Tolerance of(double atol, double rtol) {
        return new Tolerance(atol, rtol);
    }

    public double atol() {
        return atol;
    }

    public double rtol() {
        return rtol;
    }

    /** What |x − ref| may reach at this reference value. */
    public double allowed(double ref) {
        return atol + rtol * Math.abs(ref);
    }

    /** Whether one value passes. */
    public boolean accepts(double actual, double ref) {
        if (Double.isNaN(ref)) {
            return Double.isNaN(actual);
        }
        if (Double.isInfinite(ref)) {
            return actual == ref;
        }
        if (!Double.isFinite(actual)) {
            return false;
        }
        return Math.abs(actual - ref) <= allowed(ref);
    }

    public void assertClose(String what, double[] ref, float[] actual) {
        assertClose(what, ref, toDouble(actual));
    }

    public void assertClose(String what, float[] ref, float[] actual) {
        assertClose(what, toDouble(ref), toDouble(actual));
    }

    public void assertClose(String what, double[] ref, double[] actual) {
        if (ref.length != actual.length) {
            throw new AssertionFailedError(what + ": length " + actual.length + ", reference length " + ref.length);
        }
        List<Integer> bad = new ArrayList<>();
        for (int i = 0; i < ref.length; i++) {
            if (!accepts(actual[i], ref[i])) {
                bad.add(i);
            }
        }
        if (bad.isEmpty()) {
            return;
        }
        bad.sort(Comparator.comparingDouble((Integer i) -> -excess(actual[i], ref[i])));
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s: %d of %d elements outside |x - ref| <= %.3g + %.3g*|ref|;"
                + " worst:", what, bad.size(), ref.length, atol, rtol));
        for (int k = 0; k < Math.min(SHOWN, bad.size()); k++) {
            int i = bad.get(k);
            double err = Math.abs(actual[i] - ref[i]);
            sb.append(String.format(Locale.ROOT, "%n  [%d] x=%.9g ref=%.9g |err|=%.3g rel=%.3g (%.3gx allowed)",
                    i, actual[i], ref[i], err, ref[i] == 0 ? Double.POSITIVE_INFINITY : err / Math.abs(ref[i]),
                    excess(actual[i], ref[i])));
        }
        sb.append(String.format(Locale.ROOT, "%n  largest |err| over all elements: %.3g", maxAbsError(ref, actual)));
        throw new AssertionFailedError(sb.toString());
    }

    /** The error as a multiple of what was allowed; infinite for NaN or a wrong infinity. */
    private double excess(double actual, double ref) {
        double err = Math.abs(actual - ref);
        if (!Double.isFinite(err)) {
            return Double.POSITIVE_INFINITY;
        }
        double allowed = allowed(ref);
        return allowed == 0 ? (err == 0 ? 0 : Double.POSITIVE_INFINITY) : err / allowed;
    }

    /** The largest |x − ref| over finite pairs. */
    public static double maxAbsError(double[] ref, double[] actual) {
        double max = 0;
        for (int i = 0; i < ref.length; i++) {
            double e = Math.abs(actual[i] - ref[i]);
            if (Double.isFinite(e)) {
                max = Math.max(max, e);
            }
        }
        return max;
    }

    public static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
