package dev.tokenmeter.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.Benchmark;
import dev.tokenmeter.InvalidFieldException;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.cost.Price;
import dev.tokenmeter.measure.MeasurementPolicy;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.result.RunSpec;
import dev.tokenmeter.scenario.offline.OfflineSpec;
import dev.tokenmeter.scenario.serving.ServingSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What every scenario's builder shares, and the run spec it makes: the run-wide fields are checked by
 * {@link RunSpec}, which names the field at fault, and a builder passes its values on unchanged.
 */
class RunBuilderTest {
    private static final ModelConfig TINY = ModelPresets.get("tiny");
    private static final OfflineSpec OFFLINE = new OfflineSpec(List.of(1), List.of(8), List.of(4),
            new MeasurementPolicy(0, 1, 1, 0));

    @Test
    void aRunSpecRefusesNegativeThreadsByName() {
        InvalidFieldException e = assertThrows(InvalidFieldException.class,
                () -> new RunSpec(TINY, "cpu", 42, -1, null, OFFLINE));
        assertEquals("threads", e.field());
        assertEquals("threads must be >= 0 (0 = every core), got -1", e.getMessage());
        assertEquals(0, new RunSpec(TINY, "cpu", 42, 0, null, OFFLINE).threads(), "0 is every core");
        assertThrows(NullPointerException.class, () -> new RunSpec(null, "cpu", 42, 0, null, OFFLINE));
        assertThrows(NullPointerException.class, () -> new RunSpec(TINY, null, 42, 0, null, OFFLINE));
        assertThrows(NullPointerException.class, () -> new RunSpec(TINY, "cpu", 42, 0, null, null));
    }

    @Test
    void everyBuilderRefusesNegativeThreadsAndAMissingModelByName() {
        assertEquals("threads", assertThrows(InvalidFieldException.class,
                () -> Benchmark.offline().model("tiny").threads(-1).spec()).field());
        assertEquals("threads", assertThrows(InvalidFieldException.class,
                () -> Benchmark.serving().model("tiny").rates(1).threads(-1).spec()).field());
        InvalidFieldException noModel = assertThrows(InvalidFieldException.class,
                () -> Benchmark.offline().spec());
        assertEquals("model", noModel.field());
        assertEquals("model", assertThrows(InvalidFieldException.class,
                () -> Benchmark.serving().rates(1).spec()).field());
        assertThrows(NullPointerException.class, () -> Benchmark.offline().listener(null));
    }

    @Test
    void theRunWideFieldsHaveDefaultsAndArePassedOn() {
        RunSpec defaults = Benchmark.offline().model("tiny").spec();
        assertEquals(TINY, defaults.model());
        assertEquals(Backends.AUTO, defaults.backend());
        assertEquals(42, defaults.seed());
        assertEquals(0, defaults.threads());
        assertNull(defaults.price(), "the device's preset, chosen when the run starts");
        Price price = Price.user(3.5);
        RunSpec given = Benchmark.serving().model(TINY).backend("cpu").seed(7).threads(2).price(price).rates(1)
                .spec();
        assertEquals("cpu", given.backend());
        assertEquals(7, given.seed());
        assertEquals(2, given.threads());
        assertEquals(price, given.price());
        // from() takes the run-wide fields of another spec, of any scenario; the scenario's own stay.
        RunSpec copied = new OfflineSpec.Builder(OFFLINE).from(given).spec();
        assertEquals(new RunSpec(TINY, "cpu", 7, 2, price, OFFLINE), copied);
        ServingSpec serving = (ServingSpec) given.scenario();
        assertEquals(serving, Benchmark.serving().from(given).rates(1).spec().scenario());
    }

    @Test
    void aRunSpecChangesOnlyWhatItIsAskedTo() {
        RunSpec spec = new RunSpec(TINY, "cpu", 42, 2, null, OFFLINE);
        Price price = Price.user(1);
        assertEquals(new RunSpec(TINY, "cpu", 42, 2, price, OFFLINE), spec.withPrice(price));
        OfflineSpec other = new OfflineSpec(List.of(2), List.of(8), List.of(4), OFFLINE.measurement());
        assertEquals(new RunSpec(TINY, "cpu", 42, 2, null, other), spec.withScenario(other));
    }

    @Test
    void moreThreadsThanCoresAreRefusedBeforeAnythingRuns() {
        int cores = Runtime.getRuntime().availableProcessors();
        InvalidFieldException e = assertThrows(InvalidFieldException.class,
                () -> Benchmark.offline().model(TINY).threads(cores + 1).spec());
        assertEquals("threads", e.field());
        assertTrue(e.problem().startsWith("must be at most the " + cores + " core"), e.getMessage());
        assertEquals(cores, Benchmark.offline().model(TINY).threads(cores).spec().threads());
        // A result's spec read back on a smaller machine is not refused: only a run here is.
        assertEquals(cores + 1, new RunSpec(TINY, "cpu", 42, cores + 1, null, OFFLINE).threads());
    }
}
