package dev.tokenmeter.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tokenmeter.InputFiles;
import dev.tokenmeter.result.AtomicFiles;
import dev.tokenmeter.result.ResultJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Rank files in a fleet's results folder: their names, and reading and writing them whole. */
public final class RankFiles {
    private static final Pattern NAME = Pattern.compile("rank-(\\d+)\\.json");

    private RankFiles() {
    }

    /** {@code rank-00003.json}. */
    public static String name(int rank) {
        return String.format(Locale.ROOT, "rank-%05d.json", rank);
    }

    /** The rank a file's name gives ({@code rank-3.json}, {@code rank-00003.json}), or -1 for any other name. */
    public static int rankOf(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        if (!m.matches()) {
            return -1;
        }
        try {
            return Integer.parseInt(m.group(1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Writes atomically: a reader sees the old file or the whole new one. */
    public static void write(RankRecord record, Path folder) {
        try {
            AtomicFiles.writeString(folder.resolve(name(record.rank())),
                    ResultJson.mapper().writeValueAsString(record) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not render rank " + record.rank() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads a rank file.
     *
     * @throws IllegalArgumentException naming the file and what is wrong (unreadable, not JSON, not a rank file, a
     *                                  malformed field)
     */
    public static RankRecord read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(file.getFileName() + ": cannot be read: " + InputFiles.reason(e, file),
                    e);
        }
        if (text.isBlank()) {
            throw new IllegalArgumentException(file.getFileName() + ": empty");
        }
        try {
            var tree = ResultJson.mapper().readTree(text);
            if (tree == null || !tree.isObject() || !RankRecord.FORMAT.equals(tree.path("format").asText())) {
                throw new IllegalArgumentException(file.getFileName() + ": not a tokenmeter rank file (no"
                        + " \"format\": \"" + RankRecord.FORMAT + "\")");
            }
            if (tree.path("version").asInt() > RankRecord.VERSION) {
                throw new IllegalArgumentException(file.getFileName() + ": rank file version "
                        + tree.path("version").asInt() + " is newer than this tokenmeter reads (" + RankRecord.VERSION
                        + ")");
            }
            return ResultJson.mapper().treeToValue(tree, RankRecord.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file.getFileName() + ": not a valid rank file: "
                    + InputFiles.jsonProblem(e), e);
        }
    }
}
