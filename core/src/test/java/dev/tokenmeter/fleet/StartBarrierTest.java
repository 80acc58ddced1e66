package dev.tokenmeter.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ranks that start measuring together: each marker counted once, per fleet and job; every wait bounded. */
class StartBarrierTest {
    @TempDir
    Path dir;

    @Test
    void theWaitEndsWhenTheLastRankArrives() throws Exception {
        StartBarrier b = new StartBarrier(dir, "f1", "17", 3);
        b.arrive(0);
        b.arrive(0);
        assertEquals(1, b.arrived(), "arriving twice counts once");
        List<Integer> heard = new ArrayList<>();
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return b.await(Duration.ofSeconds(60), heard::add);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        new StartBarrier(dir, "f1", "17", 3).arrive(1);
        new StartBarrier(dir, "f1", "17", 3).arrive(2);
        assertTrue(waiting.get(30, TimeUnit.SECONDS));
        assertEquals(3, heard.get(heard.size() - 1));
    }

    @Test
    void aRankThatNeverArrivesEndsTheWaitAtItsLimit() throws InterruptedException {
        StartBarrier b = new StartBarrier(dir, "f1", null, 2);
        b.arrive(1);
        long start = System.nanoTime();
        assertFalse(b.await(Duration.ofMillis(300), n -> { }));
        assertTrue(System.nanoTime() - start >= 300_000_000L, "waited its limit");
        assertEquals(1, b.arrived());
    }

    @Test
    void markersOfAnotherJobOrFleetCountForNothing() {
        new StartBarrier(dir, "f1", "16", 2).arrive(0);
        new StartBarrier(dir, "f2", "17", 2).arrive(1);
        StartBarrier mine = new StartBarrier(dir, "f1", "17", 2);
        assertEquals(0, mine.arrived());
        mine.arrive(1);
        assertEquals(1, mine.arrived());
        assertThrows(IllegalArgumentException.class, () -> new StartBarrier(dir, "f1", null, 0));
    }
}
