package dev.tokenmeter.model;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;

/** Resolves what a user typed for "the model": a preset name or a Hugging Face config.json path. */
public final class ModelConfigs {
    private ModelConfigs() {
    }

    /**
     * A config file when the argument names an existing file, or looks like a path (it ends with {@code .json} or
     * holds a '/', which no preset's name does), so that a mistyped path is reported as a missing file, not as an
     * unknown preset; a model's folder, as Hugging Face lays it out, stands for the {@code config.json} inside it.
     * Otherwise the preset of that name.
     */
    public static ModelConfig resolve(String presetOrPath) {
        if (presetOrPath == null || presetOrPath.isBlank()) {
            throw new IllegalArgumentException("model must be a preset name or a path to a config.json, got '"
                    + presetOrPath + "'; known presets: " + String.join(", ", ModelPresets.all().keySet()));
        }
        Path path = asPath(presetOrPath);
        if (path != null && Files.isDirectory(path)) {
            Path config = path.resolve("config.json");
            if (!Files.isRegularFile(config)) {
                throw new IllegalArgumentException(presetOrPath + " is a folder without a config.json: give a Hugging"
                        + " Face model's config.json (or the folder that holds it), or a preset: "
                        + String.join(", ", ModelPresets.all().keySet()));
            }
            return HfConfigLoader.load(config);
        }
        if (path != null && (Files.isRegularFile(path) || presetOrPath.toLowerCase(Locale.ROOT).endsWith(".json")
                || presetOrPath.contains("/") || presetOrPath.contains(File.separator))) {
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
