package dev.tokenmeter;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files a user names (a model's config.json, a trace, a saved result), read so that every failure says what is
 * wrong with the user's file rather than showing a library's internals: a missing file, a folder, a binary file, a
 * JSON syntax error by line and column in words, without the parser's description of its own input. Every failure
 * is an {@link IllegalArgumentException}: a file the user named that cannot be used is a usage error.
 */
public final class InputFiles {
    /** Jackson's "(start marker at [Source: ...; line: 3, column: 14])", which quotes its own input source. */
    private static final Pattern START_MARKER = Pattern.compile(
            "\\s*\\(start marker at \\[Source: .*?; line: (\\d+), column: (\\d+)]\\)", Pattern.DOTALL);
    private static final Pattern UNCLOSED = Pattern.compile(
            "Unexpected end-of-input: expected close marker for (Object|Array) \\(opened at line (\\d+), column"
                    + " (\\d+)\\)");
    private static final Pattern SOURCE = Pattern.compile("\\s*\\[Source: [^]]*]");
    private static final String BINARY = "not a text file (it holds bytes that are not UTF-8 text: a binary file?)";

    private InputFiles() {
    }

    /**
     * The text of {@code file}, read as UTF-8.
     *
     * @param what what the file is meant to be, for the message: "model config", "trace", "result"
     * @throws IllegalArgumentException "cannot read WHAT FILE: REASON" when it is missing, a folder, unreadable, or
     *                                  not text
     */
    public static String readText(Path file, String what) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + what + " " + file + ": " + reason(e, file), e);
        }
        if (text.indexOf('\0') >= 0) {
            // NUL bytes are valid UTF-8, but no text file holds them.
            throw new IllegalArgumentException("cannot read " + what + " " + file + ": " + BINARY);
        }
        return text;
    }

    /**
     * Why {@code file} could not be read, in words: "no such file", "it is a folder", "permission denied", "not a
     * text file (...)", or the system's own reason.
     */
    public static String reason(IOException e, Path file) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (file != null && Files.isDirectory(file)) {
            return "it is a folder, not a file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof CharacterCodingException) {
            return BINARY;
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    /**
     * A JSON syntax error as its reader needs it: where, and what is wrong there, in the parser's words less its
     * description of the input ("[Source: REDACTED ...]"); a text cut short says which object or array it leaves
     * open. "at line 31, column 1: the text ends before the object opened at line 28, column 15 is closed".
     */
    public static String jsonSyntax(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = at == null || at.getLineNr() < 0 ? "" : "at line " + at.getLineNr() + ", column "
                + at.getColumnNr() + ": ";
        return where + jsonProblem(e);
    }

    /** What {@link #jsonSyntax} says is wrong, without where: for a caller that says where itself. */
    public static String jsonProblem(JsonProcessingException e) {
        return problem(e.getOriginalMessage());
    }

    private static String problem(String parserMessage) {
        String m = parserMessage == null ? "malformed JSON" : parserMessage;
        m = START_MARKER.matcher(m).replaceAll(" (opened at line $1, column $2)");
        m = SOURCE.matcher(m).replaceAll("");
        Matcher unclosed = UNCLOSED.matcher(m);
        if (unclosed.find()) {
            return "the text ends before the " + unclosed.group(1).toLowerCase(Locale.ROOT) + " opened at line "
                    + unclosed.group(2) + ", column " + unclosed.group(3) + " is closed (is the file cut short?)";
        }
        if (m.startsWith("Unexpected end-of-input")) {
            String what = m.contains("Object") ? "an object" : m.contains("Array") ? "an array"
                    : m.toLowerCase(Locale.ROOT).contains("string") ? "a string" : "a value";
            return "the text ends inside " + what + " (is the file cut short?)";
        }
        return m;
    }
}
