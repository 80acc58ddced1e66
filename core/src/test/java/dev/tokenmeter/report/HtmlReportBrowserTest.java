package dev.tokenmeter.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.SvgChart;
import dev.tokenmeter.result.TestResults;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the HTML report in a real browser, headless Chromium (Debian's {@code chromium} package), the same way
 * {@code scripts/check-html-report.sh} does: a screenshot that must be a non-blank PNG, and the DOM the browser
 * built, which must hold the four SVG charts with their marks. Skipped, saying what to install, where no
 * Chromium is found.
 */
@Tag("browser")
class HtmlReportBrowserTest {
    private static final long TIMEOUT_SECONDS = 60;
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private static Path chromium;

    @TempDir
    Path dir;

    @BeforeAll
    static void findChromium() {
        chromium = locate().orElse(null);
        Assumptions.assumeTrue(chromium != null, "no headless browser: install Debian's chromium package"
                + " (apt-get install -y chromium) to check the HTML report in a browser");
    }

    /** /usr/bin/chromium, else chromium or chromium-browser on the PATH. */
    static Optional<Path> locate() {
        List<Path> candidates = new ArrayList<>(List.of(Path.of("/usr/bin/chromium")));
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(File.pathSeparator)) {
                if (!d.isEmpty()) {
                    candidates.add(Path.of(d, "chromium"));
                    candidates.add(Path.of(d, "chromium-browser"));
                }
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /** Runs Chromium headless on {@code page} with {@code extra} flags; returns its standard output. */
    private String chromium(Path page, String... extra) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(dir, "profile");
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
                "--user-data-dir=" + profile, "--window-size=1280,2400"));
        cmd.addAll(Arrays.asList(extra));
        cmd.add(page.toUri().toString());
        Path out = dir.resolve("chromium-" + System.nanoTime() + ".out");
        Path err = dir.resolve("chromium-" + System.nanoTime() + ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within " + TIMEOUT_SECONDS + " s: " + cmd + "\n"
                    + tail(err));
        }
        assertEquals(0, p.exitValue(), () -> "chromium failed: " + cmd + "\n" + tail(err));
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private Path write(String name, Result r) throws IOException {
        Path page = dir.resolve(name);
        Files.writeString(page, HtmlReport.render(r), StandardCharsets.UTF_8);
        return page;
    }

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void screenshotIsANonBlankPng() throws Exception {
        Path page = write("sweep.html", TestResults.sweep());
        Path png = dir.resolve("sweep.png");
        chromium(page, "--screenshot=" + png);
        assertTrue(Files.size(png) > 0, "screenshot written");
        byte[] head = Arrays.copyOf(Files.readAllBytes(png), 8);
        assertArrayEquals(PNG_SIGNATURE, head, "a PNG file");
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "the PNG decodes");
        assertEquals(1280, img.getWidth());
        assertEquals(2400, img.getHeight());

        int sampled = 0;
        int inked = 0;
        int seriesBlue = 0;
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                int r = rgb >> 16;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                sampled++;
                colours.add(rgb);
                if (Math.min(r, Math.min(g, b)) < 235) {
                    inked++;
                }
                // The first series' colour, #4e79a7, in the charts' lines, markers and bars.
                if (Math.abs(r - 0x4e) < 12 && Math.abs(g - 0x79) < 12 && Math.abs(b - 0xa7) < 12) {
                    seriesBlue++;
                }
            }
        }
        double share = (double) inked / sampled;
        int blue = seriesBlue;
        assertTrue(share > 0.03, () -> "the page looks blank: " + share * 100 + "% of pixels are not white");
        assertTrue(colours.size() > 50, () -> "too few colours for text and charts: " + colours.size());
        assertTrue(blue > 200, () -> "the charts' series colour is missing: " + blue + " pixels");
    }

    @Test
    void browserBuildsTheFourCharts() throws Exception {
        for (Result r : List.of(TestResults.sweep(), TestResults.twoPoints())) {
            String dom = chromium(write("report.html", r), "--dump-dom");
            assertEquals(4, count(dom, "<svg[\\s>]"), "four <svg> charts in the DOM chromium built");
            for (String title : HtmlReportTest.TITLES) {
                assertTrue(dom.contains("<title>" + SvgChart.escape(title) + "</title>"), title);
            }
            int points = r.points().size();
            int circles = count(dom, "<circle[\\s>]");
            assertTrue(circles >= points, () -> "markers in the DOM: " + circles);
            assertTrue(count(dom, "<tr[\\s>]") == points + 1, "a table row per point and the header");
        }
    }
}
