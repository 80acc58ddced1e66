package dev.tokenmeter.result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A result file that is not one says what is wrong with the user's file, field by its path, and never a library's
 * internals: Jackson's "[Source: REDACTED ...]", Java class names, "Cannot invoke ... because "coll" is null".
 */
class ResultJsonErrorsTest {
    /** What no message may show: parser internals, Java names, JVM wording. */
    private static final Pattern INTERNALS = Pattern.compile(
            "Source:|REDACTED|start marker|dev\\.tokenmeter|java\\.|Cannot (invoke|construct|deserialize)|`|coll\\b"
                    + "|Exception|Input length");

    @TempDir
    Path dir;

    private static String refusal(String json) {
        String m = assertThrows(IllegalArgumentException.class, () -> ResultJson.parse(json, "r.json")).getMessage();
        assertFalse(INTERNALS.matcher(m).find(), m);
        return m;
    }

    /** The small offline result with one edit. */
    private static String edited(Consumer<ObjectNode> edit) throws IOException {
        ObjectNode tree = (ObjectNode) ResultJson.mapper().readTree(ResultJson.toJson(TestResults.twoPoints()));
        edit.accept(tree);
        return ResultJson.mapper().writeValueAsString(tree);
    }

    private static ObjectNode point(ObjectNode tree) {
        return (ObjectNode) tree.get("points").get(0);
    }

    @Test
    void aCutShortResultSaysWhatItLeavesOpen() {
        String json = ResultJson.toJson(TestResults.twoPoints());
        String m = refusal(json.substring(0, json.indexOf("\"trials\"") + 20));
        assertTrue(m.startsWith("r.json: not valid JSON at line "), m);
        assertTrue(m.endsWith(" is closed (is the file cut short?)"), m);
    }

    @Test
    void aFieldOfTheWrongKindIsNamedByItsPath() throws IOException {
        assertEquals("r.json: malformed tokenmeter result: points[0].batch: \"four\" is not an integer",
                refusal(edited(t -> point(t).put("batch", "four"))));
        assertEquals("r.json: malformed tokenmeter result: points[1].warnings: must be a list",
                refusal(edited(t -> ((ObjectNode) t.get("points").get(1)).put("warnings", 3))));
    }

    @Test
    void aMissingOrUnknownKindIsNamed() throws IOException {
        assertEquals("r.json: malformed tokenmeter result: points[0]: no \"kind\" (one of offline, serving, fleet)",
                refusal(edited(t -> point(t).remove("kind"))));
        assertEquals("r.json: malformed tokenmeter result: points[0]: \"kind\" 'batch' is not a scenario this"
                + " tokenmeter knows (offline, serving, fleet)", refusal(edited(t -> point(t).put("kind", "batch"))));
    }

    @Test
    void aMissingPartIsNamed() throws IOException {
        assertEquals("r.json: malformed tokenmeter result: spec is missing", refusal(edited(t -> t.remove("spec"))));
        assertEquals("r.json: malformed tokenmeter result: points is missing",
                refusal(edited(t -> t.putNull("points"))));
        assertEquals("r.json: malformed tokenmeter result: spec.model is missing",
                refusal(edited(t -> ((ObjectNode) t.get("spec")).remove("model"))));
        // A spec's own check, said in its words, where it sits.
        assertEquals("r.json: malformed tokenmeter result: spec.scenario: batchSizes needs at least one value",
                refusal(edited(t -> ((ObjectNode) t.get("spec").get("scenario")).remove("batchSizes"))));
    }

    @Test
    void warningsMayBeLeftOut() throws IOException {
        Result r = ResultJson.parse(edited(t -> t.remove("warnings")), "r.json");
        assertEquals(List.of(), r.warnings());
        assertEquals(2, r.points().size());
    }

    @Test
    void aBinaryFileIsNotText() throws IOException {
        Path binary = Files.write(dir.resolve("r.json"), new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 0x10});
        String m = assertThrows(IllegalArgumentException.class, () -> ResultJson.read(binary)).getMessage();
        assertEquals(binary + ": cannot be read: not a text file (it holds bytes that are not UTF-8 text: a binary"
                + " file?)", m);
        assertEquals(dir + ": cannot be read: it is a folder, not a file",
                assertThrows(IllegalArgumentException.class, () -> ResultJson.read(dir)).getMessage());
    }

    /** The upgrade of a version 1 file meets its faults first: they are said in the same terms. */
    @Test
    void anOlderVersionsFaultsAreSaidToo() {
        String m = refusal("{\"schemaVersion\": 1, \"spec\": 3, \"points\": []}");
        assertTrue(m.startsWith("r.json: malformed tokenmeter result: "), m);
    }
}
