package dev.tokenmeter.result;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenmeter.InputFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Results as JSON (schema version {@value Result#SCHEMA_VERSION}, docs/result-schema.md). Undefined figures (NaN)
 * are written as the string "NaN" so that the file stays standard JSON. Reading checks the schema version first
 * and names the file and the reason when it cannot; a file of version 1 is read too ({@link ResultJsonV1}).
 */
public final class ResultJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // Each scenario's spec and point by its "kind": the types the sealed interfaces permit.
            .registerSubtypes(ScenarioSpec.class.getPermittedSubclasses())
            .registerSubtypes(ScenarioPoint.class.getPermittedSubclasses())
            .build();

    private ResultJson() {
    }

    /** The mapper tokenmeter writes with; shared so that every JSON output agrees. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static String toJson(Result result) {
        try {
            return MAPPER.writeValueAsString(result);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not render a result as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Writes atomically: a reader sees the old file or the whole new one, never half of it. */
    public static void write(Result result, Path file) {
        AtomicFiles.writeString(file, toJson(result) + "\n");
    }

    /**
     * Reads a result from its JSON text.
     *
     * @param source how messages name the text (its file)
     * @throws IllegalArgumentException naming the source and, in the user's terms, what is wrong: the JSON syntax
     *                                  by line and column, a field by its path ({@code points[0].batch}) and what
     *                                  it must be
     */
    public static Result parse(String json, String source) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid JSON " + InputFiles.jsonSyntax(e), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException(source + ": not a tokenmeter result (expected a JSON object)");
        }
        JsonNode version = tree.get("schemaVersion");
        if (version == null || !version.canConvertToInt()) {
            throw new IllegalArgumentException(source + ": not a tokenmeter result (no schemaVersion field)");
        }
        if (version.asInt() > Result.SCHEMA_VERSION) {
            throw new IllegalArgumentException(source + ": schema version " + version.asInt()
                    + " is newer than this tokenmeter reads (" + Result.SCHEMA_VERSION + "); upgrade tokenmeter");
        }
        try {
            if (version.asInt() < Result.SCHEMA_VERSION) {
                ResultJsonV1.upgrade((ObjectNode) tree);
            }
            return MAPPER.treeToValue(tree, Result.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": malformed tokenmeter result: "
                    + ResultJsonErrors.describe(e), e);
        } catch (IllegalArgumentException | NullPointerException | ClassCastException e) {
            // The upgrade of an older version met a field that is not what the version had.
            throw new IllegalArgumentException(source + ": malformed tokenmeter result: "
                    + ResultJsonErrors.cause(e), e);
        }
    }

    public static Result read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + (e instanceof NoSuchFileException ? "no such file"
                    : "cannot be read: " + InputFiles.reason(e, file)), e);
        }
        return parse(text, file.toString());
    }
}
