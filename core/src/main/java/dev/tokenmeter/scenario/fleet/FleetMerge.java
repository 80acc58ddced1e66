package dev.tokenmeter.scenario.fleet;

import dev.tokenmeter.fleet.RankFiles;
import dev.tokenmeter.fleet.RankRecord;
import dev.tokenmeter.result.Environment;
import dev.tokenmeter.result.Metric;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.result.ScenarioSpec;
import dev.tokenmeter.result.ScenarioType;
import dev.tokenmeter.telemetry.DeviceTelemetry;
import dev.tokenmeter.telemetry.TelemetryWindow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Merges a fleet's results folder into one result: reads every rank file, says what is wrong with the folder (a
 * missing rank, two files for one rank, another fleet's file, a corrupt one, a rank that never finished), runs the
 * straggler test and the answer check over the ranks that finished, and makes the fleet's {@link Result}. Nothing
 * measured is dropped: a rank that failed is a point saying why, with what it measured kept in its file.
 */
public final class FleetMerge {
    private FleetMerge() {
    }

    /**
     * How to merge.
     *
     * @param fleetId        the fleet's id; null takes the id most rank files carry
     * @param ranks          the ranks the fleet has; 0 takes what the rank files say
     * @param scheduler      what ran the ranks ("slurm", "kubernetes", "folder")
     * @param job            the scheduler's job id, or null
     * @param alpha          the straggler test's family-wise false-alarm rate
     * @param minDeficit     the smallest deficit called a straggler
     * @param planPercentile the percentile of GPUs plans rest on
     */
    public record Options(String fleetId, int ranks, String scheduler, String job, double alpha, double minDeficit,
            double planPercentile) {
        public Options {
            Objects.requireNonNull(scheduler, "scheduler");
            if (ranks < 0) {
                throw new IllegalArgumentException("ranks must be >= 0 (0: what the rank files say), got " + ranks);
            }
        }

        /** The defaults for a folder merged on its own. */
        public static Options defaults() {
            return new Options(null, 0, "folder", null, FleetSpec.DEFAULT_ALPHA, FleetSpec.DEFAULT_MIN_DEFICIT,
                    FleetSpec.DEFAULT_PLAN_PERCENTILE);
        }

        public Options withFleet(String id, int count, String by, String jobId) {
            return new Options(id, count, by, jobId, alpha, minDeficit, planPercentile);
        }
    }

    /**
     * The merged fleet.
     *
     * @param result   the fleet's result
     * @param problems what is wrong with the folder or the ranks, each a sentence (also the result's warnings)
     * @param failed   ranks that failed or left no usable file
     */
    public record Merged(Result result, List<String> problems, List<Integer> failed) {
    }

    /**
     * Merges {@code folder}.
     *
     * @throws IllegalArgumentException where there is nothing to merge: no such folder, no rank file in it, or no
     *                                  rank that measured anything (each rank's failure is said)
     */
    public static Merged merge(Path folder, Options options) {
        List<Path> files = rankFiles(folder);
        List<String> problems = new ArrayList<>();
        Map<Integer, List<RankRecord>> byRank = new TreeMap<>();
        Map<Integer, String> unusable = new TreeMap<>();
        List<RankRecord> read = new ArrayList<>();
        for (Path f : files) {
            int named = RankFiles.rankOf(f);
            RankRecord r;
            try {
                r = RankFiles.read(f);
            } catch (IllegalArgumentException e) {
                problems.add("corrupt rank file " + e.getMessage() + ": rank " + named + " counted as failed");
                unusable.put(named, "its file is corrupt: " + e.getMessage());
                continue;
            }
            if (r.rank() != named) {
                problems.add(f.getFileName() + " holds rank " + r.rank() + ", not " + named + ": left out");
                unusable.putIfAbsent(named, "its file holds another rank (" + r.rank() + ")");
                continue;
            }
            read.add(r);
        }
        String fleetId = options.fleetId() != null ? options.fleetId() : mostCommon(read.stream()
                .map(RankRecord::fleetId).toList());
        for (RankRecord r : read) {
            if (!r.fleetId().equals(fleetId)) {
                problems.add(RankFiles.name(r.rank()) + " belongs to fleet '" + r.fleetId() + "', not '" + fleetId
                        + "': left out");
                continue;
            }
            byRank.computeIfAbsent(r.rank(), k -> new ArrayList<>()).add(r);
        }
        int ranks = options.ranks() > 0 ? options.ranks() : expectedRanks(byRank, unusable, problems);
        Map<Integer, RankRecord> usable = new TreeMap<>();
        for (Map.Entry<Integer, List<RankRecord>> e : byRank.entrySet()) {
            if (e.getValue().size() > 1) {
                problems.add("rank " + e.getKey() + " has " + e.getValue().size() + " files: neither is used");
                unusable.put(e.getKey(), "it left " + e.getValue().size() + " files");
            } else if (e.getKey() >= ranks) {
                problems.add("rank " + e.getKey() + " is beyond the fleet's " + ranks + " ranks: left out");
            } else {
                usable.put(e.getKey(), e.getValue().get(0));
            }
        }
        // The spec most ranks ran is the fleet's; a rank that ran another is not one of its GPUs' figures.
        Map<String, RunSpec> specs = new LinkedHashMap<>();
        Map<Integer, String> specOf = new HashMap<>();
        for (RankRecord r : usable.values()) {
            if (r.result() != null) {
                String key = specKey(r.result().spec());
                specs.putIfAbsent(key, r.result().spec());
                specOf.put(r.rank(), key);
            }
        }
        if (specs.isEmpty()) {
            throw new IllegalArgumentException(folder + ": no rank measured anything; " + failures(usable, unusable,
                    ranks));
        }
        String fleetSpecKey = mostCommon(new ArrayList<>(specOf.values()));
        RunSpec rankSpec = specs.get(fleetSpecKey);
        Map<Integer, String> failures = new TreeMap<>(unusable);
        for (int r = 0; r < ranks; r++) {
            RankRecord rec = usable.get(r);
            if (rec == null) {
                failures.putIfAbsent(r, "no result file: the rank never started, or its node failed before it wrote"
                        + " one");
            } else if (rec.state() == RankRecord.State.RUNNING) {
                failures.put(r, "it did not finish: its file still says running (the rank was killed, or is still"
                        + " running)");
            } else if (rec.state() == RankRecord.State.FAILED) {
                failures.put(r, rec.failure());
            } else if (!fleetSpecKey.equals(specOf.get(r))) {
                failures.put(r, "it ran another spec than the fleet's other ranks");
                problems.add("rank " + r + " ran another spec than the fleet's other ranks: left out of the verdict");
            }
        }
        FleetSpec spec = new FleetSpec(fleetId, options.scheduler(), options.job(), ranks, rankSpec.scenario(),
                options.alpha(), options.minDeficit(), options.planPercentile());
        List<String> notes = new ArrayList<>();
        List<FleetPoint> points = FleetVerdict.points(spec, rankSpec, usable, failures, notes);
        if (!failures.isEmpty()) {
            problems.add(failures.size() + " of " + ranks + " ranks failed: " + failures.keySet());
        }
        Environment env = usable.values().stream().filter(r -> r.state() == RankRecord.State.FINISHED
                && r.result() != null).map(r -> r.result().environment()).findFirst()
                .orElseGet(() -> usable.values().stream().filter(r -> r.result() != null)
                        .map(r -> r.result().environment()).findFirst().orElseThrow());
        String started = usable.values().stream().map(RankRecord::startedAt).filter(Objects::nonNull)
                .min(Comparator.naturalOrder()).orElse(null);
        String finished = usable.values().stream().map(RankRecord::finishedAt).filter(Objects::nonNull)
                .max(Comparator.naturalOrder()).orElse(null);
        RunSpec fleet = rankSpec.withScenario(spec);
        Result result = Result.of(started, finished, failures.isEmpty() && problems.isEmpty(), fleet,
                env.withHost(null).withTelemetry(telemetry(points, env.telemetry())), points,
                java.util.stream.Stream.concat(problems.stream(), notes.stream()).toList());
        return new Merged(result, List.copyOf(problems), List.copyOf(failures.keySet()));
    }

    /**
     * The fleet's telemetry as every renderer reads a result's: a window per point, each the window its GPU's own
     * telemetry measured (an empty one where that GPU read none), so that the fleet's reports show each GPU's power
     * and energy per token; the GPUs' own identities are in the points. Where no GPU read any, why the first rank
     * could not.
     */
    private static DeviceTelemetry telemetry(List<FleetPoint> points, DeviceTelemetry first) {
        if (points.stream().allMatch(p -> p.telemetry() == null)) {
            return DeviceTelemetry.unavailable(first != null && first.unavailable() != null ? first.unavailable()
                    : "no rank of the fleet read its GPU's telemetry");
        }
        List<TelemetryWindow> windows = new ArrayList<>();
        for (FleetPoint p : points) {
            TelemetryWindow w = p.telemetry();
            windows.add(w == null ? new TelemetryWindow(p.label(), Double.NaN, null, null, null, null, null, null,
                    null, null, List.of(), 0, null, null)
                    : new TelemetryWindow(p.label(), w.seconds(), w.energyJoules(), w.energyFrom(), w.meanPowerWatts(),
                            w.maxPowerWatts(), w.smClockMhzMin(), w.smClockMhzMedian(), w.memClockMhzMedian(),
                            w.maxTemperatureC(), w.throttleReasons(), w.samples(), w.joulesPerOutputToken(),
                            w.joulesPerQuery()));
        }
        return new DeviceTelemetry(DeviceTelemetry.NVML, null, null, first == null ? null : first.driverVersion(),
                first == null ? null : first.sampleIntervalMs(), windows, null, null, null, null);
    }

    /** Every rank's failure in one sentence, for a folder where none measured anything. */
    private static String failures(Map<Integer, RankRecord> usable, Map<Integer, String> unusable, int ranks) {
        List<String> out = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            RankRecord rec = usable.get(r);
            String why = unusable.containsKey(r) ? unusable.get(r) : rec == null ? "no result file"
                    : rec.state() == RankRecord.State.RUNNING ? "still says running" : rec.failure();
            out.add("rank " + r + ": " + why);
        }
        return String.join("; ", out);
    }

    private static int expectedRanks(Map<Integer, List<RankRecord>> byRank, Map<Integer, String> unusable,
            List<String> problems) {
        List<Integer> told = byRank.values().stream().flatMap(List::stream).map(RankRecord::ranks)
                .filter(n -> n > 0).distinct().sorted().toList();
        if (told.size() > 1) {
            problems.add("the rank files disagree on the fleet's size: " + told + "; the largest is used");
        }
        int highest = Stream.concat(byRank.keySet().stream(), unusable.keySet().stream()).mapToInt(i -> i).max()
                .orElse(-1);
        return Math.max(told.isEmpty() ? 0 : told.get(told.size() - 1), highest + 1);
    }

    private static List<Path> rankFiles(Path folder) {
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> RankFiles.rankOf(p) >= 0 && Files.isRegularFile(p)).sorted().toList();
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(folder + ": no such folder", e);
        } catch (NotDirectoryException e) {
            throw new IllegalArgumentException(folder + ": not a folder (merge reads a fleet's results folder)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(folder + ": cannot be read: " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(folder + ": no rank file (rank-NNNNN.json) in it");
        }
        return files;
    }

    private static String specKey(RunSpec spec) {
        try {
            return ResultJson.mapper().writeValueAsString(spec);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a run spec could not be written as JSON", e);
        }
    }

    private static String mostCommon(List<String> values) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String v : values) {
            counts.merge(v, 1, Integer::sum);
        }
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
    }

    /** The samples of a point's metric named {@code label}, through its scenario's own vocabulary. */
    static <S extends ScenarioSpec, P extends ScenarioPoint> double[] samples(ScenarioType<S, P> type,
            ScenarioPoint point, String label) {
        for (Metric<P> m : type.metrics()) {
            if (m.label().equals(label)) {
                double[] s = m.samples().apply(type.pointType().cast(point));
                return Arrays.stream(s).filter(Double::isFinite).toArray();
            }
        }
        return new double[0];
    }
}
