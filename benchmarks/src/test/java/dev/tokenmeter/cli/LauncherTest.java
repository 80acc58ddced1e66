package dev.tokenmeter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher script {@code tokenmeter} (the source checkout's, which the bundle also carries as bin/tokenmeter)
 * adds the incubator Vector API module, and with it the JVM's "Using incubator modules" warning, only for the
 * commands that compute on the CPU. Run with a stand-in java (JAVA_HOME) that prints the arguments it was given.
 */
class LauncherTest {
    private static final Path LAUNCHER = Path.of("..", "tokenmeter").toAbsolutePath().normalize();
    private static final String MODULE = "--add-modules jdk.incubator.vector";

    @TempDir
    Path dir;

    /** The java command line the launcher runs for {@code args}, one string. */
    private String javaArgs(String... args) throws IOException, InterruptedException {
        Path bin = Files.createDirectories(dir.resolve("jdk/bin"));
        Path java = bin.resolve("java");
        if (!Files.exists(java)) {
            Files.writeString(java, "#!/bin/sh\necho \"$*\"\n");
            Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.writeString(dir.resolve("tokenmeter.jar"), "a stand-in: the stand-in java never opens it");
        }
        List<String> command = new ArrayList<>(List.of("bash", LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", dir.resolve("jdk").toString());
        pb.environment().put("TOKENMETER_JAR", dir.resolve("tokenmeter.jar").toString());
        pb.environment().remove("JAVA_OPTS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    void theCommandsThatComputeOnTheCpuGetTheVectorApi() throws Exception {
        assertTrue(Files.isRegularFile(LAUNCHER), LAUNCHER + " is missing");
        for (String command : new String[] {"run", "serve", "server", "generate", "verify", "devices"}) {
            String java = javaArgs(command, "--model", "tiny");
            assertTrue(java.startsWith(MODULE + " -jar "), command + ": " + java);
            assertTrue(java.endsWith(" " + command + " --model tiny"), java);
        }
        // The command after tokenmeter's own options.
        assertTrue(javaArgs("-v", "run").startsWith(MODULE), "-v run");
        assertTrue(javaArgs("--verbose", "serve", "--rate", "1").startsWith(MODULE), "--verbose serve");
    }

    @Test
    void theOthersAndHelpStartWithoutIt() throws Exception {
        String[][] quiet = {{"--help"}, {"--version"}, {"-V"}, {"models"}, {"plan", "--result", "r.json"},
            {"compare", "a.json", "b.json"}, {"help", "run"}, {"run", "--help"}, {"serve", "-h"}, {"-v", "models"},
            {}};
        for (String[] args : quiet) {
            String java = javaArgs(args);
            assertTrue(java.startsWith("-jar "), String.join(" ", args) + ": " + java);
        }
    }
}
