package dev.tokenmeter.serving.load;

import dev.tokenmeter.serving.Arrival;
import java.util.List;
import java.util.Objects;

/**
 * A closed-loop workload: {@code concurrency} requests in flight at all times, {@code totalRequests} in all. The
 * driver issues requests 0 to {@code concurrency - 1} at the start and request {@code i + concurrency} when one
 * finishes, so the offered load follows the server's speed (unlike an {@link ArrivalProcess}, whose queue grows
 * when the server falls behind).
 *
 * <p>The lengths of every request are drawn up front from {@code seed}, the same lengths an
 * {@link ArrivalProcess} draws for that seed, so a closed-loop and an open-loop run can serve the same requests.
 *
 * @param concurrency   requests in flight, ≥ 1
 * @param totalRequests requests in the run, ≥ 1
 * @param prompt        prompt lengths
 * @param output        output lengths
 * @param seed          seed of the lengths
 */
public record ClosedLoop(int concurrency, int totalRequests, LengthDistribution prompt, LengthDistribution output,
        long seed) {
    public ClosedLoop {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
        }
        if (totalRequests < 1) {
            throw new IllegalArgumentException("totalRequests must be >= 1, got " + totalRequests);
        }
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(output, "output");
    }

    /**
     * The requests in issue order, ids 0.., each with {@code atSeconds = 0}: a closed-loop request has no
     * scheduled time, it arrives when the driver issues it, so the driver sets its record's
     * {@link dev.tokenmeter.serving.RequestRecord#arrivalNanos() arrivalNanos} to that moment and its latencies
     * (TTFT included) count from there, not from the start of the run. Drawn afresh on
     * each call, the same every time.
     */
    public List<Arrival> arrivals() {
        return Sampling.arrivals(new double[totalRequests], prompt, output, Sampling.streams(seed)[0]);
    }
}
