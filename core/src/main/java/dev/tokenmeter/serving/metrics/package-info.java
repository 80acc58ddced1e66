/**
 * Serving metrics: latencies and rates of a serving run, SLOs, goodput, a check that the offered load was
 * sustained, and a search for the highest rate that meets the SLOs.
 *
 * <ul>
 *   <li>{@link dev.tokenmeter.serving.metrics.ServingMetrics}: DESIGN's definitions on the run's
 *       {@link dev.tokenmeter.serving.RequestRecord}s. TTFT = first token − scheduled arrival (queueing included);
 *       TPOT per request = (E2E − TTFT) / (output tokens − 1), undefined for one token; ITL = every gap between
 *       consecutive tokens of a request, pooled; E2E = arrival → last token; duration = first arrival → last
 *       completion; output, input and total tok/s and requests/s over the duration; interactivity = 1 / TPOT.
 *       Latencies are {@link dev.tokenmeter.measure.Summary summaries} in milliseconds. Requests the run ended
 *       before finishing are counted, not measured.</li>
 *   <li>{@link dev.tokenmeter.serving.metrics.SloSet}: {@code --slo ttft:p99=2s,tpot=100ms}; p99 when no
 *       percentile is given, a unit (ms or s) always required.</li>
 *   <li>{@link dev.tokenmeter.serving.metrics.SloReport}: {@code goodput} (per request: requests that met every
 *       limit, per second; ITL judged on a request's largest gap) and {@code meetsSlo} (the run at each SLO's
 *       percentile).</li>
 *   <li>{@link dev.tokenmeter.serving.metrics.SustainedLoad}: warns when completions fell behind arrivals or
 *       queueing grew over the run, so that latencies measured at that rate are not taken for steady-state.</li>
 *   <li>{@link dev.tokenmeter.serving.metrics.SloSearch}: bisection on measured rates for the highest one that
 *       passes, assuming that pass/fail is monotone in the rate.</li>
 * </ul>
 */
package dev.tokenmeter.serving.metrics;
