package dev.tokenmeter.scenario;

import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.Backends;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Tests that run scenarios on the CPU backend extend this: one backend, two threads, opened for the whole class so
 * that its ceilings (about a second to measure) are measured once.
 */
public abstract class OnTheCpu {
    /** The class's backend, open between its first and its last test. */
    protected static Backend backend;

    @BeforeAll
    static void open() {
        backend = Backends.select("cpu").open(2);
    }

    @AfterAll
    static void close() {
        backend.close();
    }
}
