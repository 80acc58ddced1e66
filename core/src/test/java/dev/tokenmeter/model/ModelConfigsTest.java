package dev.tokenmeter.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user gives as {@code --model} that is not a good config.json: each refusal says what is wrong with the
 * user's file or folder, in words, never a library's exception (MalformedInputException, "unknown preset" for a
 * folder).
 */
class ModelConfigsTest {
    @TempDir
    Path dir;

    private static String refusal(String model) {
        String message = assertThrows(IllegalArgumentException.class, () -> ModelConfigs.resolve(model)).getMessage();
        assertFalse(message.contains("Exception") || message.contains("Input length"), message);
        return message;
    }

    @Test
    void aBinaryConfigIsNotText() throws IOException {
        Path binary = Files.write(dir.resolve("model.json"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, 3, 4});
        assertEquals("cannot read model config " + binary + ": not a text file (it holds bytes that are not UTF-8"
                + " text: a binary file?)", refusal(binary.toString()));
        // NUL bytes are valid UTF-8, and still no config.
        Path nuls = Files.write(dir.resolve("zeros.json"), new byte[64]);
        assertEquals("cannot read model config " + nuls + ": not a text file (it holds bytes that are not UTF-8"
                + " text: a binary file?)", refusal(nuls.toString()));
    }

    @Test
    void aFolderStandsForItsConfigJsonOrSaysItHasNone() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("Llama-Empty"));
        String message = refusal(empty.toString());
        assertEquals(empty + " is a folder without a config.json: give a Hugging Face model's config.json (or the"
                + " folder that holds it), or a preset: " + String.join(", ", ModelPresets.all().keySet()), message);

        Path model = Files.createDirectories(dir.resolve("Mistral-7B-v0.3"));
        Files.writeString(model.resolve("config.json"), HfConfigFixtures.MISTRAL_7B_V03);
        ModelConfig c = ModelConfigs.resolve(model.toString());
        assertEquals("Mistral-7B-v0.3", c.name());
        assertEquals(ModelPresets.get("mistral-7b"), c.withName("mistral-7b"));
    }

    @Test
    void aMissingPathIsAMissingFileNotAnUnknownPreset() {
        Path missing = dir.resolve("models").resolve("Llama-3.1-8B");
        assertEquals("cannot read model config " + missing + ": no such file", refusal(missing.toString()));
    }

    @Test
    void aCutShortConfigSaysWhereWithoutTheParsersSource() throws IOException {
        Path cut = Files.writeString(dir.resolve("cut.json"), "{\n  \"model_type\": \"llama\",\n  \"rope_scaling\": {"
                + "\"factor\": 8.0,\n");
        assertEquals(cut + ": malformed JSON at line 4, column 1: the text ends inside an object (is the file cut"
                + " short?)", refusal(cut.toString()));
    }
}
