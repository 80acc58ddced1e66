package dev.tokenmeter.endpoint;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The samples of a Prometheus text exposition ({@code GET /metrics}, format 0.0.4): enough of it to read a server's
 * counters, gauges and histogram sums. {@code # HELP} and {@code # TYPE} lines and blank lines are skipped; label
 * values may hold escaped quotes, backslashes and newlines; values may be {@code NaN} or {@code ±Inf}; a trailing
 * timestamp is ignored. A line that cannot be read is skipped rather than failing the whole page (a server's
 * metrics are facts beside the run, never its result).
 */
public final class PrometheusText {
    /** One sample: a metric name, its labels and its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
        public Sample {
            labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        }
    }

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = List.copyOf(samples);
    }

    /** Reads a page; lines that are not samples are skipped. */
    public static PrometheusText parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\r?\n|\r")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            Sample s = sample(l);
            if (s != null) {
                out.add(s);
            }
        }
        return new PrometheusText(out);
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The values of every series named {@code name}, in page order. */
    public List<Double> values(String name) {
        List<Double> out = new ArrayList<>();
        for (Sample s : samples) {
            if (s.name.equals(name)) {
                out.add(s.value);
            }
        }
        return out;
    }

    /** The sum over every series named {@code name}, or null where the page has none. */
    public Double sum(String name) {
        List<Double> v = values(name);
        if (v.isEmpty()) {
            return null;
        }
        double s = 0;
        for (double d : v) {
            s += d;
        }
        return s;
    }

    /** The mean over every series named {@code name} (several engines), or null where the page has none. */
    public Double mean(String name) {
        Double s = sum(name);
        return s == null ? null : s / values(name).size();
    }

    private static Sample sample(String line) {
        int i = 0;
        int n = line.length();
        while (i < n && line.charAt(i) != '{' && !Character.isWhitespace(line.charAt(i))) {
            i++;
        }
        String name = line.substring(0, i);
        if (name.isEmpty()) {
            return null;
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < n && line.charAt(i) == '{') {
            i = labels(line, i + 1, labels);
            if (i < 0) {
                return null;
            }
        }
        String[] rest = line.substring(i).strip().split("\\s+");
        if (rest.length == 0 || rest[0].isEmpty()) {
            return null;
        }
        Double value = value(rest[0]);
        return value == null ? null : new Sample(name, labels, value);
    }

    /** Reads {@code a="x",b="y"}} from {@code at}; returns the index after the closing brace, or −1. */
    private static int labels(String line, int at, Map<String, String> into) {
        int i = at;
        int n = line.length();
        while (true) {
            while (i < n && (line.charAt(i) == ',' || line.charAt(i) == ' ')) {
                i++;
            }
            if (i < n && line.charAt(i) == '}') {
                return i + 1;
            }
            int eq = line.indexOf('=', i);
            if (eq < 0 || eq + 1 >= n || line.charAt(eq + 1) != '"') {
                return -1;
            }
            String key = line.substring(i, eq).strip();
            StringBuilder v = new StringBuilder();
            i = eq + 2;
            while (i < n && line.charAt(i) != '"') {
                char c = line.charAt(i);
                if (c == '\\' && i + 1 < n) {
                    char e = line.charAt(++i);
                    v.append(e == 'n' ? '\n' : e);
                } else {
                    v.append(c);
                }
                i++;
            }
            if (i >= n) {
                return -1;
            }
            into.put(key, v.toString());
            i++;
        }
    }

    private static Double value(String s) {
        switch (s) {
            case "NaN":
                return Double.NaN;
            case "+Inf":
            case "Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                try {
                    return Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    return null;
                }
        }
    }
}
