package dev.tokenmeter.telemetry;

import java.util.ArrayList;
import java.util.List;

/** Device telemetry records as a GPU run would write them, for the renderers' and the JSON tests. */
public final class TelemetryFixtures {
    private TelemetryFixtures() {
    }

    /**
     * An H200's telemetry with one window per label: window i drew 300 + 10·i W on average (from the energy
     * counter), peaked 40 W higher, and ran at 1000·(i + 1) output tok/s and 10·(i + 1) queries/s; the second
     * window was held down by the power cap. One corrected ECC error appeared during the run.
     */
    public static DeviceTelemetry h200(String... labels) {
        List<TelemetryWindow> windows = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            double watts = 300 + 10 * i;
            double seconds = 12.5;
            windows.add(new TelemetryWindow(labels[i], seconds, watts * seconds, TelemetryWindow.FROM_COUNTER, watts,
                    watts + 40, 1755 - 100 * i, 1980 - 100 * i, 3201, 58 + i,
                    i == 1 ? List.of("SW power cap") : List.of(), 126, watts / (1000.0 * (i + 1)),
                    watts / (10.0 * (i + 1))));
        }
        return new DeviceTelemetry(DeviceTelemetry.NVML, null, FakeGpu.H200, "580.95.05", 100, windows,
                new EccCounts(0L, 0L, 2L, 0L), new EccCounts(1L, 0L, 3L, 0L), new RetiredPages(null, null, null),
                new RetiredPages(null, null, null));
    }
}
