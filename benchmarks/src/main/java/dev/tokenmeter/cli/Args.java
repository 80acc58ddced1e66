package dev.tokenmeter.cli;

import dev.tokenmeter.cost.Price;
import dev.tokenmeter.cost.PricePresets;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelConfigs;
import dev.tokenmeter.model.WeightDtype;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks of command-line values that name the option at fault, so that a usage error reads "--batch: ..."
 * rather than a record's field name. All throw IllegalArgumentException (exit code 2).
 */
final class Args {
    private Args() {
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
        if (!(utilization > 0) || !(utilization <= 1)) {
            throw new IllegalArgumentException("--utilization must be in (0, 1], got " + utilization);
        }
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

    /** A file to write: refused when it is a directory, before any work that the file would have kept. */
    static Path outputFile(String option, Path file) {
        if (file != null && Files.isDirectory(file)) {
            throw new IllegalArgumentException(option + ": " + file + " is a directory; give a file name");
        }
        return file;
    }
}
