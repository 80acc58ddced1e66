package dev.tokenmeter.cli;

import dev.tokenmeter.InvalidFieldException;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelConfigs;
import dev.tokenmeter.model.WeightDtype;
import dev.tokenmeter.report.OutputFormat;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks of command-line values that name the option at fault, so that a usage error reads "--batch: ..."
 * rather than a record's field name. All throw IllegalArgumentException (exit code 2).
 */
final class Args {
    private Args() {
    }

    /** The run-wide fields every measuring command names by its options. */
    private static final Map<String, String> COMMON = Map.of("model", "--model", "backend", "--backend", "seed",
            "--seed", "threads", "--threads");

    /** {@code scenario}'s field-to-option names with the run-wide ones. */
    static Map<String, String> options(Map<String, String> scenario) {
        Map<String, String> all = new HashMap<>(COMMON);
        all.putAll(scenario);
        return Map.copyOf(all);
    }

    /**
     * Builds a spec through the library's builders, whose records check every value: a field they refuse is named
     * by its option ({@code options}: field name to option), here and wherever the message mentions another field.
     */
    static <T> T checked(Map<String, String> options, Supplier<T> build) {
        try {
            return build.get();
        } catch (InvalidFieldException e) {
            // One pass over every field name, so that an option put in place is not itself renamed again.
            Matcher m = Pattern.compile("\\b(" + String.join("|", options.keySet().stream().map(Pattern::quote)
                    .toList()) + ")\\b").matcher(e.problem());
            StringBuilder problem = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(problem, Matcher.quoteReplacement(options.get(m.group(1))));
            }
            m.appendTail(problem);
            throw new IllegalArgumentException(options.getOrDefault(e.field(), e.field()) + " " + problem, e);
        }
    }

    /** A fraction as a percentage with at most two decimals and no trailing zeros: 0.01 is "1%", 0.0123 "1.23%". */
    static String percent(double fraction) {
        String s = String.format(Locale.ROOT, "%.2f", 100 * fraction);
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s + "%";
    }

    /** The model a user named (preset or config.json), with its weight dtype overridden where asked. */
    static ModelConfig model(String presetOrPath, String dtype) {
        ModelConfig m = ModelConfigs.resolve(presetOrPath);
        return dtype == null ? m : m.withWeightDtype(WeightDtype.parse(dtype));
    }

    static List<Integer> positive(String option, List<Integer> values) {
        if (values == null || values.isEmpty()) {
            throw new IllegalArgumentException(option + ": at least one value is needed");
        }
        for (Integer v : values) {
            if (v == null || v < 1) {
                throw new IllegalArgumentException(option + " must be >= 1, got " + v);
            }
        }
        return List.copyOf(values);
    }

    static int positive(String option, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be >= 1, got " + value);
        }
        return value;
    }

    static int atLeastZero(String option, int value, String zeroMeans) {
        if (value < 0) {
            throw new IllegalArgumentException(option + " must be >= 0 (0 = " + zeroMeans + "), got " + value);
        }
        return value;
    }

    /**
     * A price from {@code --price}: null for "auto" (the device's preset, known once it is open), else a preset
     * name or USD per device-hour; with the utilization applied.
     */
    static Price price(String text, double utilization) {
        utilization(utilization);
        String t = text.trim();
        if (t.equalsIgnoreCase("auto")) {
            return null;
        }
        Price p;
        try {
            p = Price.user(Double.parseDouble(t));
        } catch (NumberFormatException e) {
            p = PricePresets.get(t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--price: " + e.getMessage(), e);
        }
        return p.withUtilization(utilization);
    }

    static double utilization(double utilization) {
        if (!(utilization > 0) || !(utilization <= 1)) {
            throw new IllegalArgumentException("--utilization must be in (0, 1], got " + utilization);
        }
        return utilization;
    }

    /**
     * A precision target from {@code --target}: "1%" or "0.5%" as a percentage, or a plain fraction such as 0.01.
     * Returns the fraction, in (0, 1).
     */
    static double target(String text) {
        return fraction("--target", text, "1%", false);
    }

    /**
     * A share from {@code option}: a percentage ("5%") or a plain fraction (0.05), below 1 and above 0, or at 0 where
     * {@code zeroAllowed}; {@code example} is the percentage messages suggest.
     */
    static double fraction(String option, String text, String example, boolean zeroAllowed) {
        String t = text.trim();
        boolean percent = t.endsWith("%");
        double v;
        try {
            v = Double.parseDouble(percent ? t.substring(0, t.length() - 1).trim() : t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a percentage such as " + example + " or a fraction"
                    + " such as " + Double.parseDouble(example.replace("%", "")) / 100 + ", got '" + text + "'");
        }
        double fraction = percent ? v / 100 : v;
        if (!(zeroAllowed ? fraction >= 0 : fraction > 0) || !(fraction < 1)) {
            String hint = !percent && v >= 1 && v < 100 ? " (did you mean " + t + "%?)" : "";
            throw new IllegalArgumentException(option + " must be " + (zeroAllowed ? "in [0%, 100%)"
                    : "above 0% and below 100%") + ", got '" + text + "'" + hint);
        }
        return fraction;
    }

    /** An output format, named by the option that asked for it. */
    static OutputFormat format(String option, String text) {
        try {
            return OutputFormat.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    /**
     * The format a file's extension names ("report.html" is HTML, "r.md" Markdown), or null when the extension
     * names none, so that {@code --output report.csv} needs no {@code --format}.
     */
    static OutputFormat formatOf(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        if (dot < 0) {
            return null;
        }
        String ext = name.substring(dot + 1).toLowerCase(Locale.ROOT);
        for (OutputFormat f : OutputFormat.values()) {
            if (f.extension().equals(ext)) {
                return f;
            }
        }
        switch (ext) {
            case "htm":
                return OutputFormat.HTML;
            case "markdown":
                return OutputFormat.MARKDOWN;
            default:
                return null;
        }
    }
}
