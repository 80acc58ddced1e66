package dev.tokenmeter.cli;

import static dev.tokenmeter.cli.CliRun.assertContains;
import static dev.tokenmeter.cli.CliRun.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.measure.HostActivity;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.measure.Summary;
import dev.tokenmeter.metrics.TrialRecord;
import dev.tokenmeter.result.PointProgress;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import dev.tokenmeter.scenario.offline.OfflineScenario;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Progress on stderr ({@code --progress}, {@code --quiet}): plain lines for logs, a bar redrawn in place on a
 * terminal, within 79 columns; through the command line and, where every frame matters, through the library's
 * runner with no limit on redraws.
 */
class ConsoleProgressTest {
    /** Small points of the tiny preset, with no warm-up and two trials each, aiming at ±1%. */
    private static final String[] SMALL = {"run", "--model", "tiny", "--backend", "cpu", "--batch", "1",
        "--prompt-len", "4", "--gen", "2", "--warmup", "0", "--min-trials", "2", "--max-trials", "2", "--target", "1%"};

    @TempDir
    Path dir;

    private static String[] small(String... more) {
        List<String> args = new ArrayList<>(List.of(SMALL));
        args.addAll(List.of(more));
        return args.toArray(new String[0]);
    }

    /** The headline metric of each trial, output tok/s, as the runner computes it. */
    private static double[] outputRates(OfflinePoint p, int trials) {
        double[] out = new double[trials];
        for (int i = 0; i < trials; i++) {
            TrialRecord t = p.trials().get(i);
            out[i] = t.outputTokensPerSecond(p.batch(), p.outputLength());
        }
        return out;
    }

    @Test
    void progressLinesArePlainLines() {
        Path json = dir.resolve("lines.json");
        CliRun r = expect(0, small("--progress", "lines", "--json", json.toString()));
        String err = r.err();
        assertFalse(err.contains("\r"), err);
        String first = err.lines().findFirst().orElseThrow();
        assertTrue(first.startsWith("offline: tiny on cpu ("), first);
        assertContains(first, "), all cores; trials no warm-up, then 2 to 2 per point within 10.0 s, until ±1% at"
                + " 95% confidence; medians unless marked");
        assertContains(err, "\n[1/1] batch 1, prompt 4, output 2: started\n");
        assertTrue(Pattern.compile("\n\\[1/1\\] batch 1, prompt 4, output 2: trial 1 \\([0-9.]+ s\\)\n")
                .matcher(err).find(), err);
        Matcher trial2 = Pattern.compile("\n\\[1/1\\] batch 1, prompt 4, output 2: trial 2 ±([0-9.]+)% \\(target"
                + " ±1%\\) \\([0-9.]+ s\\)\n").matcher(err);
        assertTrue(trial2.find(), err);
        Matcher done = Pattern.compile("\n\\[1/1\\] batch 1, prompt 4, output 2 done: 2 trials, [0-9.]+ output tok/s"
                + " \\(median\\), ±([0-9.]+)% at 95% \\(target ±1%, stopped by [a-z-]+\\)\n").matcher(err);
        assertTrue(done.find(), err);
        // The precision shown is that of the trials the result keeps.
        OfflinePoint p = ResultJson.read(json).points(OfflinePoint.class).get(0);
        double expected = 100 * Summary.of(outputRates(p, 2)).relativeCiHalfWidth();
        assertEquals(expected, Double.parseDouble(trial2.group(1)), 0.006);
        assertEquals(expected, Double.parseDouble(done.group(1)), 0.006);
        assertEquals(100 * p.precision().relativeCiHalfWidth(), Double.parseDouble(done.group(1)), 0.006);
        assertFalse(r.out().contains("[1/1]"), "progress goes to stderr only");
    }

    @Test
    void progressBarRedrawsOneLinePerPoint() {
        CliRun r = expect(0, "run", "--model", "tiny", "--backend", "cpu", "--batch", "1,2", "--prompt-len", "4",
                "--gen", "2", "--warmup", "1", "--min-trials", "2", "--max-trials", "2", "--target", "1%",
                "--progress", "bar");
        String err = r.err();
        // Each point: frames that start with '\r', the last one full, then a newline and the summary line.
        for (int i = 1; i <= 2; i++) {
            String label = "batch " + i + ", prompt 4, output 2";
            Pattern point = Pattern.compile("\\r\\[" + i + "/2\\] (batch [^\\[]*) \\[##########\\] trial 2"
                    + " ±[0-9.]+% \\(target ±1%\\) [0-9.]+s *\\n\\[" + i + "/2\\] " + label + " done: 2 trials, ");
            Matcher m = point.matcher(err);
            int n = i;
            assertTrue(m.find(), () -> "point " + n + " in:\n" + err.replace("\r", "<CR>"));
            assertLabelOrItsCut(label, m.group(1));
        }
        Matcher warmup = Pattern.compile("\\r\\[1/2\\] (batch [^\\[]*) \\[\\.{10}\\] warm-up [0-9]+").matcher(err);
        assertTrue(warmup.find(), () -> err.replace("\r", "<CR>"));
        assertLabelOrItsCut("batch 1, prompt 4, output 2", warmup.group(1));
        assertFalse(err.contains(": trial "), "no log lines in bar mode");
        assertFalse(err.contains(": started"), "no log lines in bar mode");
        assertTrue(err.endsWith("\n"), "the last line is finished");
        String[] drawn = err.split("\r");
        // What comes before the first carriage return is the run's first line, written once: no frame.
        for (int i = 1; i < drawn.length; i++) {
            String frame = drawn[i].split("\n", -1)[0];
            assertTrue(frame.length() <= 79, () -> "frame wider than 79 columns: '" + frame + "'");
        }
        assertFalse(r.out().contains("\r"), "stdout keeps only the report");
    }

    /** A bar frame shows the point's label whole, or its start cut with an ellipsis to fit 79 columns. */
    private static void assertLabelOrItsCut(String label, String shown) {
        assertTrue(shown.equals(label) || shown.endsWith("\u2026")
                && label.startsWith(shown.substring(0, shown.length() - 1)), () -> shown + " for " + label);
    }

    @Test
    void quietWinsOverProgress() {
        CliRun r = expect(0, small("--progress", "bar", "--quiet"));
        assertFalse(r.err().contains("\r"), r.err());
        assertFalse(r.err().contains("done:"), r.err());
        assertFalse(r.err().contains("offline:"), r.err());
        assertContains(r.out(), "TTFT p50 ms");
    }

    @Test
    void barShowsTheRunningPrecisionAndFillsByTrials() {
        StringWriter text = new StringWriter();
        ConsoleProgress p = new ConsoleProgress(new PrintWriter(text, true), ConsoleProgress.Mode.BAR, 0);
        // At least 3 trials and at most 10 within 600 s: a target of 0.1% lets the bar fill by trials.
        RunSpec spec = Benchmark.offline().model("tiny").backend("cpu").threads(1).batchSizes(1).promptLengths(8)
                .outputLengths(10).measurement(new MeasurementPolicy(0, 3, 10, 600, 0.001)).spec();
        Result result = Benchmark.run(spec, p);
        OfflinePoint point = result.points(OfflinePoint.class).get(0);
        List<String> frames = frames(text);
        // A frame at the start, one per trial, the full one at the end.
        assertEquals(point.trials().size() + 2, frames.size(), frames.toString());
        assertTrue(frames.get(0).startsWith("[1/1] batch 1, prompt 8, output 10 [..........] "), frames.get(0));
        assertTrue(frames.get(1).contains(" trial 1 "), frames.get(1));
        assertFalse(frames.get(1).contains("±"), "one trial, no interval yet: " + frames.get(1));
        assertTrue(frames.get(2).contains("trial 2 ±"), frames.get(2));
        Matcher m = Pattern.compile("trial 3 ±([0-9.]+)% \\(target ±0.1%\\)").matcher(frames.get(3));
        assertTrue(m.find(), frames.get(3));
        double expected = 100 * Summary.of(outputRates(point, 3)).relativeCiHalfWidth();
        assertEquals(expected, Double.parseDouble(m.group(1)), 0.006);
        // The bar fills by trials here (3 of at most 10; the 600 s budget has hardly begun).
        assertTrue(frames.get(3).contains("[###.......]"), frames.get(3));
        assertTrue(frames.get(frames.size() - 1).contains("[##########]"), frames.toString());
        // The run's warnings follow: here only the host's, when the machine running the tests was busy meanwhile.
        HostActivity host = result.environment().host();
        assertTrue(text.toString().endsWith("\n[1/1] batch 1, prompt 8, output 10 done: "
                + OfflineScenario.TYPE.summary(point) + "\n" + (host.busy() ? "warning: " + host.warning() + "\n"
                        : "")), text.toString());
    }

    @Test
    void barCutsTheLabelFirstPadsShorterFramesAndEndsAnOpenLine() {
        StringWriter text = new StringWriter();
        ConsoleProgress p = new ConsoleProgress(new PrintWriter(text, true), ConsoleProgress.Mode.BAR, 0);
        String label = "a point whose label alone is longer than what the bar leaves it, once the status is there";
        p.pointStarted(label, 0, 3);
        String status = "a status of some length, which stays whole";
        p.progress(new PointProgress(label, status, 0.3, true));
        p.progress(new PointProgress(label, "short", Double.NaN, false));
        p.progress(new PointProgress(label, "shorter", 0.1, false));
        List<String> raw = new ArrayList<>(List.of(text.toString().split("\r", -1)));
        raw.remove(0);
        assertEquals(4, raw.size(), raw.toString());
        for (String frame : raw) {
            assertTrue(frame.length() <= 79, () -> "frame wider than 79 columns: '" + frame + "'");
            assertTrue(frame.startsWith("[1/3] a point who"), frame);
            assertFalse(frame.contains("\n"), "no line ends while the point runs: " + frame);
        }
        String longest = raw.get(1);
        assertEquals(79, longest.length(), longest);
        assertTrue(longest.matches("\\[1/3\\] a point who[^\\[]*\u2026 \\[###\\.{7}\\] " + status
                + " [0-9.]+s"), longest);
        // The label gives way to the status only as far as it must; the bar never goes back.
        assertEquals(79, raw.get(2).length(), raw.get(2));
        assertTrue(raw.get(2).matches(".*\u2026 \\[###\\.{7}\\] short [0-9.]+s"), raw.get(2));
        assertTrue(raw.get(2).indexOf('\u2026') > longest.indexOf('\u2026'), raw.get(2));
        assertTrue(raw.get(3).contains(" [###.......] shorter "), raw.get(3));

        // A shorter frame is padded with spaces over what is left of the longer one before it.
        StringWriter small = new StringWriter();
        ConsoleProgress q = new ConsoleProgress(new PrintWriter(small, true), ConsoleProgress.Mode.BAR, 0);
        q.pointStarted("batch 1", 0, 1);
        q.progress(new PointProgress("batch 1", "trial 12 ±0.53% (target ±1%)", 0.5, true));
        q.progress(new PointProgress("batch 1", "trial 13", 0.6, true));
        String[] drawn = small.toString().split("\r", -1);
        assertEquals(4, drawn.length, small.toString());
        assertTrue(drawn[2].matches("\\[1/1\\] batch 1 \\[#####\\.{5}\\] trial 12 ±0\\.53% \\(target ±1%\\)"
                + " [0-9.]+s"), drawn[2]);
        assertEquals(drawn[2].length(), drawn[3].length(), "padded: '" + drawn[3] + "'");
        assertTrue(drawn[3].matches("\\[1/1\\] batch 1 \\[######\\.{4}\\] trial 13 [0-9.]+s {10,}"), drawn[3]);

        // A run that stops midway ends the open line, once.
        RunSpec spec = Benchmark.offline().model("tiny").backend("cpu").spec();
        Result stopped = Result.of("", "", false, spec, null, List.of(), List.of());
        p.finished(stopped);
        assertTrue(text.toString().endsWith("\n"));
        int length = text.toString().length();
        p.finished(stopped);
        assertEquals(length, text.toString().length(), "no line is open any more");
    }

    @Test
    void linesModeWritesMilestonesAndTheFirstUpdateOfALongPoint() {
        StringWriter text = new StringWriter();
        ConsoleProgress p = new ConsoleProgress(new PrintWriter(text, true), ConsoleProgress.Mode.LINES, 0);
        p.pointStarted("rate 2.00", 1, 0);
        p.progress(new PointProgress("rate 2.00", "3/200 requests, 12 steps", Double.NaN, false));
        p.progress(new PointProgress("rate 2.00", "warm-up 1/1", 0, true));
        List<String> lines = text.toString().lines().toList();
        // Where the total is unknown (a search) the point is numbered alone; a non-milestone waits its 10 s.
        assertEquals(List.of("[2] rate 2.00: started"), lines.subList(0, 1));
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(1).matches("\\[2\\] rate 2\\.00: warm-up 1/1 \\([0-9.]+ s\\)"), lines.get(1));
    }

    /**
     * The frames drawn so far: the text after each carriage return up to the next or to a line end, stripped of
     * its padding (what comes before the first carriage return is the run's first line, no frame).
     */
    private static List<String> frames(StringWriter text) {
        List<String> out = new ArrayList<>();
        String[] parts = text.toString().split("\r", -1);
        for (int i = 1; i < parts.length; i++) {
            out.add(parts[i].split("\n", -1)[0].strip());
        }
        return out;
    }
}
