package dev.tokenmeter.scheduler;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A pod's command run here as the kubelet would run it: Kubernetes' {@code $(VAR)} expansion first, then
 * {@code /bin/sh}, with a fake {@code tokenmeter} first on the PATH that records, per rank, its arguments
 * ({@code rank-N.args}, each ended by a NUL) and its GPU, rank and node ({@code rank-N.env}) in a log folder.
 */
final class PodShell {
    /** The node name the downward API would give. */
    static final String NODE = "node-a";

    private final Path dir;
    private final Path log;
    private final int completionIndex;

    /** A pod of completion index {@code completionIndex}, working in {@code dir}. */
    PodShell(Path dir, int completionIndex) throws IOException {
        this.dir = dir;
        this.log = Files.createDirectories(dir.resolve("log"));
        this.completionIndex = completionIndex;
    }

    /**
     * Kubernetes' expansion of a container's command ({@code third_party/forked/golang/expansion}): {@code $$} is
     * {@code $}; {@code $(NAME)} is the variable's value where the container defines it and stays as it is where not;
     * any other {@code $} stays.
     */
    static String expand(String text, Map<String, String> env) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '$' || i + 1 == text.length()) {
                out.append(c);
                i++;
            } else if (text.charAt(i + 1) == '$') {
                out.append('$');
                i += 2;
            } else if (text.charAt(i + 1) == '(') {
                int close = text.indexOf(')', i + 2);
                if (close < 0) {
                    out.append("$(");
                    i += 2;
                } else {
                    String name = text.substring(i + 2, close);
                    out.append(env.getOrDefault(name, "$(" + name + ")"));
                    i = close + 1;
                }
            } else {
                out.append('$').append(text.charAt(i + 1));
                i += 2;
            }
        }
        return out.toString();
    }

    /** The variables the pod's container defines, which the expansion sees. */
    Map<String, String> containerEnv() {
        return Map.of("NODE_NAME", NODE, "JOB_COMPLETION_INDEX", Integer.toString(completionIndex));
    }

    /** Writes the fake {@code tokenmeter}: it records what it was given, then runs {@code then} (shell). */
    void fakeTokenmeter(String then) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path fake = bin.resolve("tokenmeter");
        Files.writeString(fake, String.join("\n",
                "#!/bin/sh",
                "out=\"$TM_LOG/rank-$TOKENMETER_RANK\"",
                "printf '%s\\0' \"$@\" > \"$out.args\"",
                "printf '%s\\n' \"$CUDA_VISIBLE_DEVICES\" \"$TOKENMETER_RANK\" \"$TOKENMETER_NODE\" > \"$out.env\"",
                then,
                ""), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /**
     * Starts {@code sh} on the expanded command. The script goes through a file, in UTF-8, not through the JVM's
     * encoding of process arguments, which a C locale would turn to '?'.
     */
    Process start(String expandedScript) throws IOException {
        Path file = dir.resolve("pod.sh");
        Files.writeString(file, expandedScript, StandardCharsets.UTF_8);
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", file.toString()).directory(dir.toFile())
                .redirectError(dir.resolve("stderr").toFile()).redirectOutput(dir.resolve("stdout").toFile());
        Map<String, String> env = pb.environment();
        env.put("PATH", dir.resolve("bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("TM_LOG", log.toString());
        env.putAll(containerEnv());
        return pb.start();
    }

    /** Waits up to 30 s for {@code process} and gives its exit status. */
    static int exitOf(Process process) throws InterruptedException {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("the pod's script did not end within 30 s");
        }
        return process.exitValue();
    }

    /** Waits up to 10 s for a file in the log folder. */
    void awaitLog(String name) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(log.resolve(name))) {
            assertTrue(System.nanoTime() < deadline, "no " + name + " within 10 s");
            Thread.sleep(20);
        }
    }

    /** Whether the log folder holds {@code name}. */
    boolean logged(String name) {
        return Files.exists(log.resolve(name));
    }

    /** The files in the log folder, sorted. */
    List<String> logFiles() throws IOException {
        try (var files = Files.list(log)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The arguments a rank's fake tokenmeter received. */
    List<String> args(int rank) throws IOException {
        String all = new String(Files.readAllBytes(log.resolve("rank-" + rank + ".args")), StandardCharsets.UTF_8);
        assertTrue(all.endsWith("\0"), all);
        return Arrays.asList(all.substring(0, all.length() - 1).split("\0", -1));
    }

    /** CUDA_VISIBLE_DEVICES, TOKENMETER_RANK and TOKENMETER_NODE as a rank's fake tokenmeter saw them. */
    List<String> env(int rank) throws IOException {
        return Files.readAllLines(log.resolve("rank-" + rank + ".env"), StandardCharsets.UTF_8);
    }

    /** What the script wrote to its standard error. */
    String stderr() {
        try {
            return Files.readString(dir.resolve("stderr"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The working folder (where a command substitution, had one run, would have left its file). */
    Path dir() {
        return dir;
    }
}
