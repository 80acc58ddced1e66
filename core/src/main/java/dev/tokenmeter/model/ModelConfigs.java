package dev.tokenmeter.model;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;

/** Resolves what a user typed for "the model": a preset name or a Hugging Face config.json path. */
public final class ModelConfigs {
    private ModelConfigs() {
    }

    /**
     * A config file when the argument names an existing file or ends with {@code .json} (so a mistyped path
     * is reported as a missing file, not as an unknown preset); otherwise the preset of that name.
     */
    public static ModelConfig resolve(String presetOrPath) {
        if (presetOrPath == null || presetOrPath.isBlank()) {
            throw new IllegalArgumentException("model must be a preset name or a path to a config.json, got '"
                    + presetOrPath + "'; known presets: " + String.join(", ", ModelPresets.all().keySet()));
        }
        Path path = asPath(presetOrPath);
        if (path != null && (Files.isRegularFile(path)
                || presetOrPath.toLowerCase(Locale.ROOT).endsWith(".json"))) {
            return HfConfigLoader.load(path);
        }
        return ModelPresets.get(presetOrPath);
    }

    /** The argument as a path, or null where the platform can't form one (then it can only be a preset). */
    private static Path asPath(String text) {
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            return null;
        }
    }
}
