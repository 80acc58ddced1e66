package dev.tokenmeter.fleet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.commons.math3.distribution.TDistribution;

/** Placeholder until the straggler test lands: same API. */
public final class StragglerTest {
    private StragglerTest() {
    }

    /** A rank's samples per point. */
    public record Rank(String id, List<double[]> samples) {
        public Rank {
            Objects.requireNonNull(id, "id");
            samples = new ArrayList<>(samples);
        }
    }

    /** The test's settings. */
    public record Options(double alpha, double minDeficit) {
    }

    /** One (rank, point) test. */
    public record Finding(String rankId, int point, double deficit, double z, double pValue, double adjustedP,
            double confidence, boolean straggler) {
    }

    /** Every test's finding. */
    public record Outcome(List<Finding> all, List<String> notes) {
    }

    /** Runs the test. */
    public static Outcome run(List<Rank> ranks, Options options) {
        int points = ranks.stream().mapToInt(r -> r.samples().size()).max().orElse(0);
        List<double[]> raw = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        int tests = 0;
        for (int k = 0; k < points; k++) {
            List<Integer> in = new ArrayList<>();
            for (int i = 0; i < ranks.size(); i++) {
                double[] s = k < ranks.get(i).samples().size() ? ranks.get(i).samples().get(k) : null;
                if (s != null && s.length > 0) {
                    in.add(i);
                }
            }
            if (in.size() < 3) {
                notes.add("point " + k + ": " + in.size() + " ranks, too few to test for stragglers (needs 3)");
                continue;
            }
            double[] l = new double[in.size()];
            double[] se = new double[in.size()];
            for (int j = 0; j < in.size(); j++) {
                double[] s = ranks.get(in.get(j)).samples().get(k);
                double[] logs = Arrays.stream(s).map(Math::log).toArray();
                l[j] = median(logs);
                double m = l[j];
                se[j] = s.length < 2 ? 0 : 1.2533 * 1.4826 * median(Arrays.stream(logs).map(x -> Math.abs(x - m))
                        .toArray()) / Math.sqrt(s.length);
            }
            double c = median(l);
            double sb = 1.4826 * median(Arrays.stream(l).map(x -> Math.abs(x - c)).toArray());
            TDistribution t = new TDistribution(Math.max(1, in.size() - 1));
            for (int j = 0; j < in.size(); j++) {
                double d = Math.sqrt(sb * sb + se[j] * se[j]);
                double z = d > 0 ? (l[j] - c) / d : l[j] < c ? Double.NEGATIVE_INFINITY : 0;
                double p = Double.isInfinite(z) ? 0 : t.cumulativeProbability(z);
                raw.add(new double[] {in.get(j), k, 1 - Math.exp(l[j] - c), z, p});
                tests++;
            }
        }
        List<Finding> out = new ArrayList<>();
        for (double[] r : raw) {
            double adj = Math.min(1, r[4] * tests);
            out.add(new Finding(ranks.get((int) r[0]).id(), (int) r[1], r[2], r[3], r[4], adj, 1 - adj,
                    adj < options.alpha() && r[2] >= options.minDeficit()));
        }
        return new Outcome(out, notes);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
