package dev.tokenmeter.scenario.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.InvalidFieldException;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.metrics.SloSet;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The serving spec checks itself when made: every field out of range, and every field given in a mode that does
 * not use it or missing in the mode that needs it, is refused naming the record component, so that the command
 * line can name its own option instead.
 */
class ServingSpecTest {
    private static final List<Arrival> TRACE = List.of(new Arrival(0, 0, 10, 5), new Arrival(1, 0.5, 20, 3));

    /** Every component of a valid rate sweep, to change one (or a mode's few) at a time. */
    private static final class Fields {
        ServingMode mode = ServingMode.RATE;
        List<Double> rates = List.of(1.0);
        double burstiness = 1;
        List<Integer> concurrencies = List.of();
        String trace;
        List<Arrival> traceArrivals;
        double traceScale = 1;
        double searchLow;
        double searchHigh;
        double searchTolerance;
        int searchProbes;
        int requests = 10;
        LengthDistribution promptLength = LengthDistribution.fixed(8);
        LengthDistribution outputLength = LengthDistribution.fixed(4);
        SloSet slo;
        int maxSequences = 4;
        int maxTokensPerStep;
        int kvBlockSize = 16;
        int kvBlocks;
        int warmupRequests;
        double warmupMaxSeconds;
        double maxDurationSeconds = 60;
        int repeat = 1;

        ServingSpec spec() {
            return new ServingSpec(mode, rates, burstiness, concurrencies, trace, traceArrivals, traceScale,
                    searchLow, searchHigh, searchTolerance, searchProbes, requests, promptLength, outputLength, slo,
                    maxSequences, maxTokensPerStep, kvBlockSize, kvBlocks, warmupRequests, warmupMaxSeconds,
                    maxDurationSeconds, repeat);
        }

        /** A closed loop of the given concurrencies instead of the rates. */
        Fields concurrency(Integer... levels) {
            mode = ServingMode.CONCURRENCY;
            rates = List.of();
            concurrencies = List.of(levels);
            return this;
        }

        Fields trace(String name, List<Arrival> arrivals) {
            mode = ServingMode.TRACE;
            rates = List.of();
            trace = name;
            traceArrivals = arrivals;
            return this;
        }

        Fields search(double low, double high, SloSet slos) {
            mode = ServingMode.SEARCH;
            rates = List.of();
            searchLow = low;
            searchHigh = high;
            slo = slos;
            return this;
        }
    }

    private static Arguments refused(String field, Consumer<Fields> change) {
        return Arguments.of(field, change);
    }

    static Stream<Arguments> outOfRange() {
        SloSet slo = SloSet.parse("ttft=1s");
        return Stream.of(
                refused("mode", f -> f.mode = null),
                refused("rates", f -> f.rates = List.of()),
                refused("rates", f -> f.rates = List.of(0.0)),
                refused("rates", f -> f.rates = List.of(2.0, -1.0)),
                refused("rates", f -> f.rates = List.of(Double.NaN)),
                refused("rates", f -> f.rates = List.of(Double.POSITIVE_INFINITY)),
                refused("rates", f -> f.concurrency(2).rates = List.of(1.0)),
                refused("burstiness", f -> f.burstiness = 0),
                refused("burstiness", f -> f.burstiness = Double.NaN),
                refused("burstiness", f -> f.burstiness = Double.POSITIVE_INFINITY),
                refused("concurrencies", f -> f.concurrency()),
                refused("concurrencies", f -> f.concurrency(4, 0)),
                refused("concurrencies", f -> f.concurrencies = List.of(2)),
                refused("trace", f -> f.trace(null, null)),
                refused("trace", f -> f.trace = "t.jsonl"),
                refused("traceArrivals", f -> f.trace("t.jsonl", List.of())),
                refused("traceScale", f -> f.trace("t.jsonl", TRACE).traceScale = 0),
                refused("traceScale", f -> f.traceScale = Double.NaN),
                refused("traceScale", f -> f.traceScale = Double.POSITIVE_INFINITY),
                refused("searchLow", f -> f.search(0, 0, slo)),
                refused("searchLow", f -> f.search(4, 2, slo)),
                refused("searchLow", f -> f.search(0, 2, slo)),
                refused("searchLow", f -> f.search(1, Double.POSITIVE_INFINITY, slo)),
                refused("searchLow", f -> f.searchHigh = 2),
                refused("slo", f -> f.search(1, 2, null)),
                refused("searchTolerance", f -> f.search(1, 2, slo).searchTolerance = 1),
                refused("searchTolerance", f -> f.search(1, 2, slo).searchTolerance = -0.05),
                refused("searchTolerance", f -> f.search(1, 2, slo).searchTolerance = Double.NaN),
                refused("searchTolerance", f -> f.searchTolerance = 0.05),
                refused("searchProbes", f -> f.search(1, 2, slo).searchProbes = 1),
                refused("searchProbes", f -> f.searchProbes = 16),
                refused("requests", f -> f.requests = 0),
                refused("promptLength", f -> f.promptLength = null),
                refused("outputLength", f -> f.outputLength = null),
                refused("maxSequences", f -> f.maxSequences = 0),
                refused("maxTokensPerStep", f -> f.maxTokensPerStep = -1),
                refused("kvBlockSize", f -> f.kvBlockSize = 0),
                refused("kvBlocks", f -> f.kvBlocks = -1),
                refused("warmupRequests", f -> f.warmupRequests = -1),
                refused("warmupMaxSeconds", f -> f.warmupMaxSeconds = -1),
                refused("warmupMaxSeconds", f -> f.warmupMaxSeconds = Double.NaN),
                refused("warmupMaxSeconds", f -> f.warmupMaxSeconds = Double.POSITIVE_INFINITY),
                refused("repeat", f -> f.repeat = -1),
                refused("maxDurationSeconds", f -> f.maxDurationSeconds = 0),
                refused("maxDurationSeconds", f -> f.maxDurationSeconds = Double.NaN),
                refused("maxDurationSeconds", f -> f.maxDurationSeconds = Double.POSITIVE_INFINITY));
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("outOfRange")
    void aFieldOutOfRangeIsRefusedByName(String field, Consumer<Fields> change) {
        Fields f = new Fields();
        f.spec(); // valid as it stands: the change alone is at fault
        change.accept(f);
        InvalidFieldException e = assertThrows(InvalidFieldException.class, f::spec);
        assertEquals(field, e.field(), e.getMessage());
        assertEquals(field + " " + e.problem(), e.getMessage());
        assertEquals("--opt " + e.problem(), e.named("--opt"));
    }

    @Test
    void theMessagesSayWhatIsWrong() {
        Fields none = new Fields();
        none.requests = 0;
        assertEquals("requests must be >= 1, got 0", assertThrows(InvalidFieldException.class, none::spec)
                .getMessage());
        assertEquals("slo is needed by a search: the SLOs the rate must meet",
                assertThrows(InvalidFieldException.class, () -> new Fields().search(1, 10, null).spec())
                        .getMessage());
        assertEquals("rates is needed by mode rate",
                assertThrows(InvalidFieldException.class, () -> {
                    Fields f = new Fields();
                    f.rates = null;
                    f.spec();
                }).getMessage());
        assertEquals("rates applies to mode rate only, not concurrency",
                assertThrows(InvalidFieldException.class, () -> {
                    Fields f = new Fields().concurrency(2);
                    f.rates = List.of(1.0);
                    f.spec();
                }).getMessage());
    }

    @Test
    void eachModeIsAcceptedWithItsOwnFields() {
        assertEquals(List.of(1.0), new Fields().spec().rates());
        ServingSpec closed = new Fields().concurrency(1, 8).spec();
        assertEquals(List.of(1, 8), closed.concurrencies());
        assertEquals(List.of(), closed.rates());
        ServingSpec traced = new Fields().trace("t.jsonl", TRACE).spec();
        assertEquals(20, traced.maxPrompt(), "a trace's own lengths, not the distributions'");
        assertEquals(5, traced.maxOutput());
        Fields scaled = new Fields().trace("t.jsonl", TRACE);
        scaled.traceScale = 0.5;
        assertEquals(0.25, scaled.spec().scaledTrace().get(1).atSeconds(), 1e-15);
        ServingSpec search = new Fields().search(1, 2, SloSet.parse("ttft=1s")).spec();
        assertEquals("ttft:p99=1000ms", search.slo().describe());
        // A spec read from an older result names its trace only: it cannot be replayed.
        Fields named = new Fields().trace("t.jsonl", null);
        ServingSpec byName = named.spec();
        assertNull(byName.traceArrivals());
        assertTrue(assertThrows(IllegalArgumentException.class, byName::scaledTrace).getMessage()
                .contains("give the trace file again"));
    }

    @Test
    void fieldsOlderResultsLackReadAsTheyMeantThen() {
        // A result written before repeats and the steady warm-up holds neither field: read, they are 0.
        Fields old = new Fields();
        old.repeat = 0;
        old.warmupMaxSeconds = 0;
        ServingSpec s = old.spec();
        assertEquals(1, s.repeat(), "each point measured once");
        assertEquals(0, s.warmupMaxSeconds(), "the warm-up requests alone");
        // The builder asks for at least one run, and warms up until steady by default.
        assertEquals("repeat must be >= 1 (times each point is measured), got 0", assertThrows(
                InvalidFieldException.class, () -> Benchmark.serving().model("tiny").rates(1).repeat(0).spec())
                .getMessage());
        ServingSpec built = (ServingSpec) Benchmark.serving().model("tiny").rates(1).spec().scenario();
        assertEquals(1, built.repeat());
        assertEquals(ServingSpec.DEFAULT_WARMUP_MAX_SECONDS, built.warmupMaxSeconds());
        assertEquals(3, ((ServingSpec) Benchmark.serving().model("tiny").rates(1).repeat(3).warmupMaxSeconds(5)
                .spec().scenario()).repeat());
    }

    @Test
    void theSpecKeepsItsOwnCopies() {
        List<Double> rates = new ArrayList<>(List.of(1.0, 2.0));
        Fields f = new Fields();
        f.rates = rates;
        ServingSpec s = f.spec();
        rates.add(3.0);
        assertEquals(List.of(1.0, 2.0), s.rates());
        assertThrows(UnsupportedOperationException.class, () -> s.rates().add(4.0));
    }

    @Test
    void automaticLimitsAreMadeConcreteWhenResolved() {
        Fields f = new Fields();
        f.promptLength = LengthDistribution.uniform(8, 24);
        f.outputLength = LengthDistribution.fixed(9);
        ServingSpec auto = f.spec();
        // 4 sequences of up to 24 + 9 = 33 positions in blocks of 16: 3 blocks each.
        assertEquals(12, auto.blocks());
        ServingSpec resolved = auto.resolved(256);
        assertEquals(256, resolved.maxTokensPerStep());
        assertEquals(12, resolved.kvBlocks());
        f.maxTokensPerStep = 64;
        f.kvBlocks = 5;
        ServingSpec given = f.spec().resolved(256);
        assertEquals(64, given.maxTokensPerStep(), "a budget given is kept");
        assertEquals(5, given.kvBlocks());
    }

    @Test
    void aRunSpecRefusesRequestsLongerThanTheModel() {
        Fields f = new Fields();
        f.promptLength = LengthDistribution.uniform(8, 4000);
        f.outputLength = LengthDistribution.fixed(100);
        ServingSpec tooLong = f.spec();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RunSpec(ModelPresets.get("tiny"), "cpu", 42, 0, null, tooLong));
        assertTrue(e.getMessage().contains("4100 exceeds the 4096 positions of model tiny"), e.getMessage());
    }

    // ---- the builder ----

    private static ServingSpec.Builder tiny() {
        return Benchmark.serving().model("tiny").backend("cpu").threads(2).requests(16)
                .promptLengths(LengthDistribution.uniform(8, 24)).outputLengths(LengthDistribution.fixed(4))
                .warmupRequests(2);
    }

    private static ServingSpec scenario(ServingSpec.Builder b) {
        return (ServingSpec) b.spec().scenario();
    }

    @Test
    void theBuilderTakesExactlyOneMode() {
        InvalidFieldException two = assertThrows(InvalidFieldException.class,
                () -> tiny().rates(1).concurrencies(2).spec());
        assertEquals("mode", two.field());
        assertEquals("mode must be one of rates, concurrencies, a trace and a search; got [RATE, CONCURRENCY]",
                two.getMessage());
        assertEquals("mode", assertThrows(InvalidFieldException.class,
                () -> tiny().search(1, 10).trace("t", TRACE, 1).slo(SloSet.parse("ttft=1s")).spec()).field());
        InvalidFieldException none = assertThrows(InvalidFieldException.class, () -> tiny().spec());
        assertEquals("mode", none.field());
        assertEquals("mode is needed: give rates, concurrencies, a trace or a search", none.getMessage());
        // The same mode given twice is not two modes: the later values replace the earlier.
        assertEquals(List.of(2.0, 3.0), scenario(tiny().rates(1).rates(2, 3)).rates());
    }

    @Test
    void theBuilderLeavesTheChecksToTheSpec() {
        assertEquals("slo", assertThrows(InvalidFieldException.class, () -> tiny().search(1, 10).spec()).field());
        assertEquals("requests must be >= 1, got 0",
                assertThrows(InvalidFieldException.class, () -> tiny().requests(0).rates(1).spec()).getMessage());
        assertEquals("rates", assertThrows(InvalidFieldException.class, () -> tiny().rates(-1).spec()).field());
        assertEquals("maxTokensPerStep",
                assertThrows(InvalidFieldException.class, () -> tiny().rates(1).maxTokensPerStep(-1).spec())
                        .field());
        assertEquals("traceScale",
                assertThrows(InvalidFieldException.class, () -> tiny().trace("t", TRACE, 0).spec()).field());
    }

    @Test
    void theBuilderHasServesDefaults() {
        ServingSpec s = scenario(Benchmark.serving().model("tiny").rates(1, 2));
        assertEquals(ServingMode.RATE, s.mode());
        assertEquals(List.of(1.0, 2.0), s.rates());
        assertEquals(1, s.burstiness());
        assertEquals(200, s.requests());
        assertEquals("128", s.promptLength().describe());
        assertEquals("32", s.outputLength().describe());
        assertNull(s.slo());
        assertEquals(64, s.maxSequences());
        assertEquals(0, s.maxTokensPerStep(), "the device's default, made concrete by the run");
        assertEquals(16, s.kvBlockSize());
        assertEquals(0, s.kvBlocks());
        assertEquals(8, s.warmupRequests());
        assertEquals(600, s.maxDurationSeconds());
        ServingSpec given = scenario(tiny().concurrencies(3).burstiness(0.5).maxSequences(8).maxTokensPerStep(96)
                .kvBlockSize(8).kvBlocks(40).maxDurationSeconds(5).slo(SloSet.parse("e2e:p90=2s")));
        assertEquals(List.of(3), given.concurrencies());
        assertEquals(0.5, given.burstiness());
        assertEquals(16, given.requests());
        assertEquals("8:24", given.promptLength().describe());
        assertEquals(8, given.maxSequences());
        assertEquals(96, given.maxTokensPerStep());
        assertEquals(8, given.kvBlockSize());
        assertEquals(40, given.kvBlocks());
        assertEquals(2, given.warmupRequests());
        assertEquals(5, given.maxDurationSeconds());
        assertEquals("e2e:p90=2000ms", given.slo().describe());
    }
}
