package dev.tokenmeter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's file that cannot be read, or whose JSON is broken, described in the file's terms. */
class InputFilesTest {
    private static String syntaxError(String json) {
        JsonProcessingException e = assertThrows(JsonProcessingException.class,
                () -> new ObjectMapper().readTree(json));
        return InputFiles.jsonSyntax(e);
    }

    @Test
    void aCutShortFileNamesWhatItLeavesOpenNotTheParsersSource() {
        // Jackson's own words: "expected close marker for Object (start marker at [Source: REDACTED ...])".
        assertEquals("at line 3, column 1: the text ends before the object opened at line 2, column 6 is closed (is"
                + " the file cut short?)", syntaxError("{\"a\": 1,\n\"b\": {\"c\": 2\n"));
        assertEquals("at line 1, column 9: the text ends before the array opened at line 1, column 7 is closed (is"
                + " the file cut short?)", syntaxError("{\"a\": [1"));
        assertEquals("at line 1, column 9: the text ends inside an object (is the file cut short?)",
                syntaxError("{\"a\": 1,"));
        assertEquals("at line 1, column 11: the text ends inside a string (is the file cut short?)",
                syntaxError("{\"a\": \"abc"));
    }

    @Test
    void otherSyntaxErrorsKeepTheParsersWordsAndPlace() {
        String m = syntaxError("{\"a\": nope}");
        assertEquals("at line 1, column 11: Unrecognized token 'nope': was expecting (JSON String, Number, Array,"
                + " Object or token 'null', 'true' or 'false')", m);
    }

    @Test
    void unreadableFilesSayWhy(@TempDir Path dir) throws Exception {
        assertEquals("cannot read trace " + dir.resolve("none") + ": no such file", assertThrows(
                IllegalArgumentException.class, () -> InputFiles.readText(dir.resolve("none"), "trace")).getMessage());
        assertEquals("cannot read trace " + dir + ": it is a folder, not a file", assertThrows(
                IllegalArgumentException.class, () -> InputFiles.readText(dir, "trace")).getMessage());
        Path binary = Files.write(dir.resolve("b"), new byte[] {(byte) 0xc3, (byte) 0x28, 0x41});
        assertEquals("cannot read trace " + binary + ": not a text file (it holds bytes that are not UTF-8 text: a"
                + " binary file?)", assertThrows(IllegalArgumentException.class,
                        () -> InputFiles.readText(binary, "trace")).getMessage());
        Path text = Files.writeString(dir.resolve("t"), "{\"at\": 0}\n");
        assertEquals("{\"at\": 0}\n", InputFiles.readText(text, "trace"));
    }
}
