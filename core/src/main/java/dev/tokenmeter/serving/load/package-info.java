/**
 * Serving workloads: when requests arrive and how long they are.
 *
 * <ul>
 *   <li>{@link dev.tokenmeter.serving.load.LengthDistribution}: prompt and output lengths, fixed or uniform
 *       ({@code --prompt-len 1024}, {@code --prompt-len 128:1024}).</li>
 *   <li>{@link dev.tokenmeter.serving.load.ArrivalProcess}: open-loop arrivals at a rate, Poisson or gamma
 *       (bursty or regular), independent of how fast the server answers.</li>
 *   <li>{@link dev.tokenmeter.serving.load.TraceArrivals}: the arrivals of a recorded trace (JSON Lines).</li>
 *   <li>{@link dev.tokenmeter.serving.load.ClosedLoop}: a fixed number of requests in flight, each new one issued
 *       when one finishes.</li>
 * </ul>
 *
 * <p>Randomness: every workload is a pure function of its parameters and a seed, drawn from
 * {@link java.util.SplittableRandom} with our own samplers (inverse-CDF exponential, Box–Muller normal,
 * Marsaglia–Tsang gamma) on {@link java.lang.StrictMath}, so the same seed gives the same requests, bit for bit,
 * on any JVM and host: two machines benchmarked with one seed served the same workload. Lengths and
 * inter-arrival gaps come from two independent streams split off the seed, so an open-loop and a closed-loop run
 * with one seed have the same request lengths, a Poisson and a gamma run differ only in their timing, and the
 * first {@code n} requests of a longer workload are the {@code n} requests of a shorter one.
 */
package dev.tokenmeter.serving.load;
