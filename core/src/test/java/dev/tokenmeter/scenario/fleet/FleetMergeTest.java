package dev.tokenmeter.scenario.fleet;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.compare.Comparer;
import dev.tokenmeter.compare.Comparison;
import dev.tokenmeter.fleet.AnswerCheck;
import dev.tokenmeter.fleet.RankFiles;
import dev.tokenmeter.fleet.RankGpu;
import dev.tokenmeter.fleet.RankRecord;
import dev.tokenmeter.plan.CapacityPlan;
import dev.tokenmeter.plan.Constraints;
import dev.tokenmeter.plan.PlanInputs;
import dev.tokenmeter.report.OutputFormat;
import dev.tokenmeter.result.Notice;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FleetMergeTest {
    @TempDir
    Path dir;

    private FleetMerge.Merged merge() {
        return FleetMerge.merge(dir, FleetMerge.Options.defaults());
    }

    private static Set<Integer> slowRanks(Result r) {
        return r.points(FleetPoint.class).stream().filter(p -> p.straggler() != null && p.straggler().slow())
                .map(FleetPoint::rank).collect(Collectors.toSet());
    }

    @Test
    void aFleetOfIdenticalRanksIsCompleteWithNoStragglerAndAnswersThatAgreeBitForBit() {
        FleetFixtures.write(dir, "f1", 8, -1, 1.0);
        FleetMerge.Merged m = merge();
        Result r = m.result();
        List<FleetPoint> points = r.points(FleetPoint.class);
        assertAll(() -> assertTrue(r.complete(), () -> "problems: " + m.problems()),
                () -> assertEquals(List.of(), m.problems()),
                () -> assertEquals(16, points.size(), "8 ranks x 2 points"),
                () -> assertEquals(Set.of(), slowRanks(r)),
                () -> assertTrue(points.stream().allMatch(p -> p.answers().status() == AnswerCheck.Status.AGREES
                        && p.answers().how().startsWith("bit-exact with 7 other ranks"))),
                () -> assertTrue(points.stream().allMatch(p -> Math.abs(p.vsFleet() - 1) < 0.1)),
                () -> assertEquals("fleet", r.scenario()),
                () -> assertEquals(8, ((FleetSpec) r.spec().scenario()).ranks()),
                () -> assertEquals(Set.of("n1", "n2", "n3", "n4"), points.stream().map(FleetPoint::node)
                        .collect(Collectors.toSet())));
        // The fleet's capacity is every GPU's rate summed, at each point.
        List<FleetSummary> s = FleetSummary.of(points, 10);
        double sum = points.stream().filter(p -> p.pointLabel().equals(s.get(0).point()))
                .mapToDouble(FleetPoint::outputTokensPerSecond).sum();
        assertEquals(sum, s.get(0).totalTokensPerSecond(), 1e-9 * sum);
        assertEquals(8, s.get(0).gpus());
        // The fleet's cost per hour is every GPU's.
        assertEquals(8 * FleetFixtures.PRICE.usdPerHour(), s.get(0).usdPerHour(), 1e-12);
    }

    @Test
    void aSlowRankIsAStragglerNamedWithItsNodeDeficitAndConfidence() {
        FleetFixtures.write(dir, "f1", 8, 5, 0.6);
        Result r = merge().result();
        assertEquals(Set.of(5), slowRanks(r));
        FleetPoint p = r.points(FleetPoint.class).stream().filter(x -> x.rank() == 5).findFirst().orElseThrow();
        assertEquals(0.4, p.straggler().deficit(), 0.05);
        assertTrue(p.straggler().confidence() > 0.99, () -> "confidence " + p.straggler().confidence());
        assertEquals("n3", p.node());
        List<Notice> notices = Notice.of(r);
        assertTrue(notices.stream().anyMatch(n -> n.point() != null && n.point().startsWith("n3 gpu 1: batch 1")
                && n.text().startsWith("STRAGGLER (rank 5): 4")), () -> notices.toString());
        // Merged results are not complete only where the folder or the ranks fail: a straggler is a finding.
        assertTrue(r.complete());
    }

    @Test
    void aRankWhoseAnswersDifferIsFlaggedAsAPossibleSilentDataCorruption() {
        FleetFixtures.write(dir, "f1", 4, -1, 1.0);
        RankFiles.write(FleetFixtures.finished("f1", 2, 4, "n2", 0, 1.0, FleetFixtures.answer(1)), dir);
        Result r = merge().result();
        for (FleetPoint p : r.points(FleetPoint.class)) {
            assertEquals(p.rank() == 2, p.answers().wrong(), p.label() + ": " + p.answers().describe());
        }
        FleetPoint wrong = r.points(FleetPoint.class).stream().filter(p -> p.rank() == 2).findFirst().orElseThrow();
        assertTrue(wrong.answers().detail().contains("tokens differ"), wrong.answers().detail());
        assertTrue(Notice.of(r).stream().anyMatch(n -> n.level() == Notice.Level.ERROR
                && n.text().startsWith("WRONG ANSWERS, a possible silent data corruption")));
    }

    @Test
    void aFolderWithMissingDuplicateForeignCorruptUnfinishedAndFailedRanksSaysSoAndKeepsTheRest()
            throws IOException {
        FleetFixtures.write(dir, "f1", 10, -1, 1.0);
        Files.delete(dir.resolve(RankFiles.name(4)));
        // Rank 3 twice, under two names.
        Files.copy(dir.resolve(RankFiles.name(3)), dir.resolve("rank-3.json"));
        // Rank 6 of another fleet.
        RankFiles.write(FleetFixtures.finished("other", 6, 10, "n4", 0, 1.0, FleetFixtures.answer(0)), dir);
        Files.writeString(dir.resolve(RankFiles.name(7)), "{\"format\": \"tokenmeter-fleet-rank\", \"rank\": ");
        RankFiles.write(RankRecord.started("f1", 10, 8, "n5", "h", null, new RankGpu(0, "0", null, null, null),
                "2026-12-01T00:00:00Z", List.of("run"), null), dir);
        RankFiles.write(RankRecord.started("f1", 10, 9, "n5", "h", null, null, "2026-12-01T00:00:00Z",
                List.of("run"), null).failed("2026-12-01T00:00:09Z", "out of memory", null), dir);
        Files.writeString(dir.resolve("notes.txt"), "not a rank file");
        FleetMerge.Merged m = FleetMerge.merge(dir, FleetMerge.Options.defaults().withFleet("f1", 0, "folder", null));
        Result r = m.result();
        String problems = String.join("\n", m.problems());
        assertAll(() -> assertFalse(r.complete()),
                () -> assertEquals(List.of(3, 4, 6, 7, 8, 9), m.failed()),
                () -> assertTrue(problems.contains("rank 3 has 2 files: neither is used"), problems),
                () -> assertTrue(problems.contains("rank-00006.json belongs to fleet 'other', not 'f1': left out"),
                        problems),
                () -> assertTrue(problems.contains("corrupt rank file rank-00007.json"), problems),
                () -> assertTrue(problems.contains("6 of 10 ranks failed: [3, 4, 6, 7, 8, 9]"), problems));
        List<FleetPoint> points = r.points(FleetPoint.class);
        assertEquals(4 * 2 + 6, points.size(), "4 ranks measured 2 points each; 6 failed ones say why");
        FleetPoint missing = points.stream().filter(p -> p.rank() == 4).findFirst().orElseThrow();
        assertTrue(missing.failure().startsWith("no result file"), missing.failure());
        FleetPoint running = points.stream().filter(p -> p.rank() == 8).findFirst().orElseThrow();
        assertTrue(running.failure().contains("still says running"), running.failure());
        FleetPoint failed = points.stream().filter(p -> p.rank() == 9).findFirst().orElseThrow();
        assertEquals("out of memory", failed.failure());
        assertNull(failed.point());
        assertTrue(Notice.of(r).stream().anyMatch(n -> n.text().equals("RANK FAILED: out of memory")));
    }

    @Test
    void nothingToMergeIsRefusedWithWhatEachRankSaid() throws IOException {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FleetMerge.merge(dir.resolve("none"),
                FleetMerge.Options.defaults())).getMessage().endsWith("no such folder"));
        assertTrue(assertThrows(IllegalArgumentException.class, this::merge).getMessage()
                .endsWith("no rank file (rank-NNNNN.json) in it"));
        RankFiles.write(RankRecord.started("f1", 2, 0, "n1", "h", null, null, "2026-12-01T00:00:00Z",
                List.of("run"), null).failed("2026-12-01T00:00:09Z", "no GPU", null), dir);
        String message = assertThrows(IllegalArgumentException.class, this::merge).getMessage();
        assertTrue(message.endsWith("no rank measured anything; rank 0: no GPU; rank 1: no result file"), message);
    }

    @Test
    void aFleetResultIsReadByEveryRendererJsonCompareAndPlan() {
        FleetFixtures.write(dir, "f1", 6, 2, 0.5);
        Result r = merge().result();
        Result back = ResultJson.parse(ResultJson.toJson(r), "fleet.json");
        assertEquals(ResultJson.toJson(r), ResultJson.toJson(back));
        for (OutputFormat f : OutputFormat.values()) {
            String text = f.render(r);
            assertTrue(text.contains("rank 2") || text.contains("\"rank\" : 2") || f == OutputFormat.CSV,
                    () -> f + " names the ranks");
        }
        assertTrue(OutputFormat.TABLE.render(r).contains("FLEET: 6 of 6 GPUs measured"));
        // Every headline metric's spread across the GPUs, not only the output rate's.
        assertTrue(Notice.of(r).stream().anyMatch(n -> n.text().startsWith("SPREAD across 6 GPUs, each its median:"
                + " output tok/s ") && n.text().contains("; TTFT ms ") && n.text().contains("; TPOT ms ")),
                () -> Notice.of(r).toString());
        assertTrue(OutputFormat.HTML.render(r).contains("Output tok/s per GPU"));
        String csv = OutputFormat.CSV.render(r);
        assertTrue(csv.lines().findFirst().orElseThrow().startsWith("model,backend,device,rank,node,host,"
                + "gpu_local_index"), csv);
        assertEquals(12 + 1, csv.lines().count(), "a header and a row per GPU and point");
        // Last month's fleet against today's: the same GPUs are matched, and the fleet's own figures compared.
        Path other = dir.resolve("today");
        FleetFixtures.write(mkdirs(other), "f2", 6, -1, 1.0);
        Comparison c = Comparer.defaults().compare(r, FleetMerge.merge(other, FleetMerge.Options.defaults())
                .result());
        assertEquals(12, c.changes().size(), () -> c.differences() + " " + c.warnings() + " " + c.onlyInBaseline());
        assertTrue(c.changes().stream().anyMatch(ch -> ch.point().equals("n2 gpu 0: batch 1, prompt 8, output 4")
                && ch.significant()), () -> c.changes().toString());
        assertTrue(c.runFigures().stream().anyMatch(f -> f.label().startsWith("stragglers, batch 1")
                && f.baseline() == 1 && f.candidate() == 0), () -> c.runFigures().toString());
        // A plan rests on the p10 GPU, not the mean.
        CapacityPlan plan = CapacityPlan.of(r, "fleet.json", new PlanInputs(10, null, null, Constraints.NONE, 0.7,
                null));
        assertNotNull(plan);
        assertTrue(plan.notes().get(0).startsWith("FLEET: planned on the p10 GPU"), plan.notes().toString());
    }

    private static Path mkdirs(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
