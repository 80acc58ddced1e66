package dev.tokenmeter.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.WeightDtype;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The roofline of a model small enough to count by hand: vocab 10, hidden 4, 1 layer, 2 heads of width 2, 1 kv
 * head, ffn 8, bf16 weights, fp32 KV cache (4 bytes).
 *
 * <pre>
 * linear weights per layer: wq 4·4 + wk 2·4 + wv 2·4 + wo 4·4 + gate, up, down 3·8·4 = 144; norms 2·4
 * read per step: layer 152 + final norm 4 + LM head 10·4 = 196 params = 392 bytes
 * KV per token: 2 (k, v) · 1 layer · kvDim 2 · 4 bytes = 16 bytes
 * FLOPs per token: linear 2·144 = 288; LM head 2·10·4 = 80; attention 4·layers·qDim·context = 16·context
 *
 * batch 2, prompt 3, output 3:
 * prefill: bytes 392 + 2·16·3 = 488; FLOPs 2·(3·288 + 16·(1+2+3) + 80) = 2080
 * decode step 1 (context 4): bytes 392 + 2·16·4 = 520; FLOPs 2·(288 + 16·4 + 80) = 864
 * decode step 2 (context 5): bytes 392 + 2·16·5 = 552; FLOPs 2·(288 + 16·5 + 80) = 896
 * </pre>
 */
class RooflineTest {
    private static final double EPS = 1e-9;
    private static final ModelConfig HAND = new ModelConfig("hand", 10, 4, 1, 2, 1, 2, 8, 10000, null, 1e-5, false,
            64, WeightDtype.BF16);
    private static final String SOURCE = "measured: test ceilings";
    /** 1e5 B/s and 1e6 FLOP/s: every step of the point is memory-bound. */
    private static final DeviceCeilings MEMORY_BOUND = new DeviceCeilings(1e5, 1e6, SOURCE);
    /** 1e6 B/s and 1e5 FLOP/s: every step is compute-bound. */
    private static final DeviceCeilings COMPUTE_BOUND = new DeviceCeilings(1e6, 1e5, SOURCE);

    private static DeviceInfo device(DeviceCeilings measured, DeviceCeilings datasheet, long cacheBytes) {
        return new DeviceInfo("test", "Test Device", "gpu", 1, 1L << 30, cacheBytes, measured, datasheet, Map.of());
    }

    private static Roofline roofline(DeviceInfo d, TrialRecord... trials) {
        return Roofline.offline(HAND, 4, d, 2, 3, 3, List.of(trials));
    }

    private static TrialRecord trial(double prefillDeviceMs, double decodeDeviceMs) {
        return new TrialRecord(prefillDeviceMs + 1, new double[] {decodeDeviceMs / 2 + 1, decodeDeviceMs / 2 + 1},
                prefillDeviceMs, decodeDeviceMs);
    }

    @Test
    void bytesFlopsAndFloorsByHand() {
        Roofline r = roofline(device(MEMORY_BOUND, null, 0), trial(9.76, 21.44));
        assertEquals(488, r.prefillBytes(), EPS);
        assertEquals(2080, r.prefillFlops(), EPS);
        assertEquals(520 + 552, r.decodeBytes(), EPS);
        assertEquals(864 + 896, r.decodeFlops(), EPS);
        // Memory-bound: 488 B / 1e5 B/s = 4.88 ms (FLOPs would take 2.08 ms).
        assertEquals(4.88, r.prefillFloorMs(), EPS);
        // Step by step: 5.2 ms + 5.52 ms.
        assertEquals(10.72, r.decodeFloorMs(), EPS);
        assertEquals(15.6, r.trialFloorMs(), EPS);
        assertFalse(r.cacheResident());
        assertNull(r.violation());
        assertNull(r.datasheet());
    }

    @Test
    void computeBoundFloorsByHand() {
        Roofline r = roofline(device(COMPUTE_BOUND, null, 0), trial(30, 30));
        // 2080 FLOPs / 1e5 FLOP/s = 20.8 ms (bytes would take 0.488 ms); decode 8.64 + 8.96 ms.
        assertEquals(20.8, r.prefillFloorMs(), EPS);
        assertEquals(17.6, r.decodeFloorMs(), EPS);
        assertNull(r.violation());
    }

    @Test
    void utilizationAtTheMedianTrial() {
        DeviceCeilings sheet = new DeviceCeilings(2e5, 2e6, "datasheet: test");
        Roofline r = roofline(device(MEMORY_BOUND, sheet, 0), trial(20, 30), trial(9.76, 21.44), trial(5, 11));
        Utilization m = r.measured();
        assertEquals(SOURCE, m.against());
        // Median prefill 9.76 ms: 488 B / 9.76 ms = 50 kB/s = half of 1e5; 2080 / 9.76 ms / 1e6.
        assertEquals(0.5, m.prefillMbu(), EPS);
        assertEquals(2080 / 9.76e-3 / 1e6, m.prefillMfu(), EPS);
        // Median decode 21.44 ms: 1072 B / 21.44 ms = 50 kB/s; 1760 / 21.44 ms / 1e6.
        assertEquals(0.5, m.decodeMbu(), EPS);
        assertEquals(1760 / 21.44e-3 / 1e6, m.decodeMfu(), EPS);
        Utilization d = r.datasheet();
        assertNotNull(d);
        assertEquals("datasheet: test", d.against());
        assertEquals(0.25, d.prefillMbu(), EPS);
        assertEquals(0.25, d.decodeMbu(), EPS);
        assertEquals(m.prefillMfu() / 2, d.prefillMfu(), EPS);
        // Trials at 5 and 11 ms are above the 4.88 and 10.72 ms floors.
        assertNull(r.violation());
    }

    @Test
    void aTrialFasterThanTheMemoryFloorIsAViolation() {
        Roofline r = roofline(device(MEMORY_BOUND, null, 0), trial(9.76, 21.44), trial(4.0, 21.44));
        assertNotNull(r.violation());
        assertTrue(r.violation().startsWith("trial 1: prefill took 4.0000 ms, below the roofline floor of 4.8800 ms"),
                r.violation());
        assertTrue(r.violation().contains(SOURCE), r.violation());

        Roofline decode = roofline(device(MEMORY_BOUND, null, 0), trial(9.76, 10.0));
        assertNotNull(decode.violation());
        assertTrue(decode.violation().contains("decode took 10.0000 ms") && decode.violation().contains("10.7200"),
                decode.violation());
    }

    @Test
    void aCacheResidentWorkingSetMayBeatTheMemoryFloor() {
        // The largest step reads 552 bytes: a 552-byte cache holds it, a 551-byte one does not.
        Roofline resident = roofline(device(MEMORY_BOUND, null, 552), trial(4.0, 10.0));
        assertTrue(resident.cacheResident());
        assertNull(resident.violation(), resident.violation());
        Roofline notResident = roofline(device(MEMORY_BOUND, null, 551), trial(4.0, 21.44));
        assertFalse(notResident.cacheResident());
        assertNotNull(notResident.violation());
    }

    @Test
    void aComputeBoundPrefillBelowItsFloorIsFlaggedEvenWhenCacheResident() {
        Roofline r = roofline(device(COMPUTE_BOUND, null, 1L << 20), trial(10, 30));
        assertTrue(r.cacheResident());
        assertNotNull(r.violation());
        assertTrue(r.violation().contains("prefill took 10.0000 ms") && r.violation().contains("20.8000"),
                r.violation());
    }

    /**
     * Caches raise the memory ceiling, never the FLOP/s one: decode steps that need 17.6 ms of arithmetic at
     * peak cannot finish in 10 ms, cache or not (DESIGN: any result faster than the roofline is an error).
     */
    @Test
    void aComputeBoundDecodeBelowItsFloorIsFlaggedEvenWhenCacheResident() {
        Roofline r = roofline(device(COMPUTE_BOUND, null, 1L << 20), trial(30, 10));
        assertTrue(r.cacheResident());
        assertNotNull(r.violation(), "decode of 10 ms under a compute floor of 17.6 ms was not flagged");
    }

    /** Likewise a memory-bound prefill in cache still cannot beat its arithmetic: 2080 FLOPs at 1e6 take 2.08 ms. */
    @Test
    void aCacheResidentPrefillBelowItsComputeTimeIsFlagged() {
        Roofline r = roofline(device(MEMORY_BOUND, null, 1L << 20), trial(1.0, 21.44));
        assertTrue(r.cacheResident());
        assertNotNull(r.violation(), "prefill of 1 ms under 2.08 ms of arithmetic at peak was not flagged");
    }

    @Test
    void oneOutputTokenHasNoDecode() {
        Roofline r = Roofline.offline(HAND, 4, device(MEMORY_BOUND, null, 0), 2, 3, 1,
                List.of(new TrialRecord(10, new double[0], 9.76, 0)));
        assertEquals(488, r.prefillBytes(), EPS);
        assertEquals(0, r.decodeBytes(), EPS);
        assertEquals(0, r.decodeFloorMs(), EPS);
        assertEquals(0.5, r.measured().prefillMbu(), EPS);
        assertTrue(Double.isNaN(r.measured().decodeMbu()));
        assertTrue(Double.isNaN(r.measured().decodeMfu()));
        assertNull(r.violation());
    }
}
