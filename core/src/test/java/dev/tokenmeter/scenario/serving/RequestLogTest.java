package dev.tokenmeter.scenario.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenmeter.Benchmark;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.serving.load.LengthDistribution;
import dev.tokenmeter.serving.metrics.SloSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The requirement: a serving result's per-request records reproduce every figure it reports. A small
 * sweep runs on the CPU, its result is written as JSON, and each point's figures are computed again from that JSON
 * alone, read as a plain Jackson tree and computed here, straightforwardly, without any tokenmeter class: latencies
 * and their percentiles (linear between order statistics, Hyndman–Fan type 7, NumPy's default), rates, goodput
 * against the spec's SLOs and the achieved arrival rate. Each must equal the reported figure to 1e-9, relatively.
 *
 * <p>Outputs of 1 to 6 tokens, so that some requests have no TPOT and no gaps. The SLOs are generous but for TPOT,
 * whose limit of a microsecond no request with a second token meets: the one-token requests, which have no TPOT,
 * are the good ones, so that goodput counts some requests and not others whatever the machine's speed (the
 * lengths are seeded), and the run misses one SLO while meeting the others.
 */
class RequestLogTest {
    private static final double RELATIVE = 1e-9;
    private static final Pattern LIMIT = Pattern.compile("(ttft|tpot|itl|e2e):p(\\d+)=([0-9.]+)(ms|s)");

    /** One SLO as the spec's text gives it: a metric at a percentile held to a limit in ms. */
    private record Limit(String metric, int percentile, double ms) {
    }

    /** One completed request's latencies, ms; tpot and maxGap NaN for a single token. */
    private record Latency(double ttft, double tpot, double e2e, double maxGap) {
        double value(String metric) {
            return switch (metric) {
                case "ttft" -> ttft;
                case "tpot" -> tpot;
                case "itl" -> maxGap;
                default -> e2e;
            };
        }
    }

    @Test
    void everyFigureOfEveryPointFollowsFromItsRequestLogAlone() throws Exception {
        Result result = Benchmark.serving().model("tiny").backend("cpu").threads(2).rates(100, 400, 1600)
                .requests(12).promptLengths(LengthDistribution.uniform(4, 24))
                .outputLengths(LengthDistribution.uniform(1, 6)).warmupRequests(2)
                .slo(SloSet.parse("ttft:p90=60s,tpot:p50=0.001ms,itl:p95=60s,e2e:p99=60s")).run();
        String json = ResultJson.toJson(result);

        JsonNode root = new ObjectMapper().readTree(json);
        JsonNode scenario = root.get("spec").get("scenario");
        int requests = scenario.get("requests").asInt();
        List<Limit> limits = limits(scenario.get("slo").asText());
        assertEquals(4, limits.size(), scenario.get("slo").asText());
        JsonNode points = root.get("points");
        assertEquals(3, points.size());
        for (JsonNode point : points) {
            checkPoint(point, requests, limits);
        }
        // And the log reads back as it was written.
        List<ServingPoint> read = ResultJson.parse(json, "the sweep").points(ServingPoint.class);
        List<ServingPoint> written = result.points(ServingPoint.class);
        for (int i = 0; i < written.size(); i++) {
            assertEquals(written.get(i).requestLog(), read.get(i).requestLog());
        }
    }

    private static List<Limit> limits(String text) {
        List<Limit> out = new ArrayList<>();
        for (String piece : text.split(",")) {
            Matcher m = LIMIT.matcher(piece.strip());
            assertTrue(m.matches(), piece);
            double v = Double.parseDouble(m.group(3));
            out.add(new Limit(m.group(1), Integer.parseInt(m.group(2)), m.group(4).equals("s") ? v * 1e3 : v));
        }
        return out;
    }

    private static void checkPoint(JsonNode point, int requests, List<Limit> limits) {
        String at = point.get("label").asText();
        assertEquals(requests, point.get("requests").asInt(), at);
        JsonNode log = point.get("requestLog");
        assertEquals(requests, log.size(), at + ": one record per request");

        List<Latency> done = new ArrayList<>();
        List<Double> itl = new ArrayList<>();
        long firstArrival = Long.MAX_VALUE;
        long lastArrival = Long.MIN_VALUE;
        long lastToken = Long.MIN_VALUE;
        long input = 0;
        long output = 0;
        long preemptions = 0;
        for (int i = 0; i < log.size(); i++) {
            JsonNode e = log.get(i);
            assertEquals(i, e.get("id").asInt(), at + ": the log covers ids 0.." + (requests - 1) + " in order");
            long arrival = e.get("arrivalNs").asLong();
            firstArrival = Math.min(firstArrival, arrival);
            lastArrival = Math.max(lastArrival, arrival);
            preemptions += e.get("preemptions").asLong();
            if (!e.get("outcome").asText().equals("completed")) {
                continue;
            }
            JsonNode gaps = e.get("gapsNs");
            int n = gaps.size() + 1;
            assertEquals(e.get("output").asInt(), n, at + ": a completed request has every output token");
            long first = e.get("firstTokenNs").asLong();
            assertTrue(e.get("admittedNs").asLong() >= arrival && e.get("admittedNs").asLong() <= first, at);
            long t = first;
            long maxGap = 0;
            for (JsonNode g : gaps) {
                t += g.asLong();
                maxGap = Math.max(maxGap, g.asLong());
                itl.add(g.asLong() / 1e6);
            }
            double ttft = (first - arrival) / 1e6;
            double e2e = (t - arrival) / 1e6;
            done.add(new Latency(ttft, n > 1 ? (e2e - ttft) / (n - 1) : Double.NaN, e2e,
                    n > 1 ? maxGap / 1e6 : Double.NaN));
            lastToken = Math.max(lastToken, t);
            input += e.get("prompt").asLong();
            output += n;
        }
        assertFalse(done.isEmpty(), at);
        assertEquals(preemptions, point.get("preemptions").asLong(),
                at + ": the point's preemptions are its requests'");

        JsonNode m = point.get("metrics");
        assertEquals(done.size(), m.get("completed").asInt(), at);
        assertEquals(requests - done.size(), m.get("incomplete").asInt(), at);
        assertEquals(input, m.get("inputTokens").asLong(), at);
        assertEquals(output, m.get("outputTokens").asLong(), at);
        double seconds = (lastToken - firstArrival) / 1e9;
        assertClose(seconds, m, "durationSeconds", at);
        assertClose(done.size() / seconds, m, "requestsPerSecond", at);
        assertClose(input / seconds, m, "inputTokensPerSecond", at);
        assertClose(output / seconds, m, "outputTokensPerSecond", at);
        assertClose((input + output) / seconds, m, "totalTokensPerSecond", at);
        double[] ttft = done.stream().mapToDouble(Latency::ttft).toArray();
        double[] tpot = done.stream().mapToDouble(Latency::tpot).filter(v -> !Double.isNaN(v)).toArray();
        double[] e2e = done.stream().mapToDouble(Latency::e2e).toArray();
        double[] gaps = itl.stream().mapToDouble(Double::doubleValue).toArray();
        assertDistribution(ttft, m.get("ttftMs"), at + " TTFT");
        assertDistribution(tpot, m.get("tpotMs"), at + " TPOT");
        assertDistribution(gaps, m.get("itlMs"), at + " ITL");
        assertDistribution(e2e, m.get("e2eMs"), at + " E2E");

        // Goodput: a request is good when each of its own values is within each limit (a value it lacks is met).
        int good = 0;
        for (Latency r : done) {
            boolean ok = true;
            for (Limit l : limits) {
                double v = r.value(l.metric());
                ok &= Double.isNaN(v) || v <= l.ms();
            }
            good += ok ? 1 : 0;
        }
        long oneToken = done.stream().filter(r -> Double.isNaN(r.tpot())).count();
        assertTrue(oneToken > 0 && oneToken < done.size(), at + ": the seeded lengths mix one and more tokens");
        assertEquals(oneToken, good, at + ": the one-token requests alone are good");
        JsonNode slo = point.get("slo");
        assertNotNull(slo, at + ": held to the spec's SLOs");
        assertEquals(good, slo.get("goodRequests").asInt(), at);
        assertClose(good / seconds, slo, "goodput", at);
        assertClose((double) good / done.size(), slo, "goodFraction", at);
        // The run as a whole: each SLO at its percentile of the pooled distribution.
        boolean all = true;
        for (int i = 0; i < limits.size(); i++) {
            Limit l = limits.get(i);
            double[] values = switch (l.metric()) {
                case "ttft" -> ttft;
                case "tpot" -> tpot;
                case "itl" -> gaps;
                default -> e2e;
            };
            JsonNode check = slo.get("checks").get(i);
            assertEquals(l.metric(), check.get("metric").asText(), at);
            boolean met = true;
            if (values.length > 0) {
                double measured = percentile(values, l.percentile());
                assertClose(measured, check, "measuredMs", at + " " + l);
                met = measured <= l.ms();
            }
            assertEquals(met, check.get("met").asBoolean(), at + " " + l);
            all &= met;
        }
        assertEquals(all, slo.get("meetsSlo").asBoolean(), at);
        assertFalse(all, at + ": no TPOT median is a microsecond");

        double achieved = (log.size() - 1) / ((lastArrival - firstArrival) / 1e9);
        assertClose(achieved, point, "achievedArrivalRate", at);
    }

    /** The summary's count, mean, extremes and percentiles, against those of {@code values} computed here. */
    private static void assertDistribution(double[] values, JsonNode summary, String what) {
        if (values.length == 0) {
            assertTrue(summary == null || summary.isNull(), what + " is undefined: " + summary);
            return;
        }
        assertNotNull(summary, what);
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        assertEquals(sorted.length, summary.get("n").asInt(), what);
        double sum = 0;
        for (double v : sorted) {
            sum += v;
        }
        assertClose(sum / sorted.length, summary, "mean", what);
        assertClose(sorted[0], summary, "min", what);
        assertClose(sorted[sorted.length - 1], summary, "max", what);
        for (int p : new int[] {50, 90, 95, 99}) {
            assertClose(percentile(sorted, p), summary, "p" + p, what);
        }
    }

    /** Hyndman–Fan type 7: the value at rank (n − 1)·p/100, linear between the two order statistics around it. */
    private static double percentile(double[] values, int p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double h = (sorted.length - 1) * (p / 100.0);
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /** {@code node.field} is a number equal to {@code expected} within {@value #RELATIVE}, relatively. */
    private static void assertClose(double expected, JsonNode node, String field, String what) {
        JsonNode v = node.get(field);
        assertNotNull(v, what + ": no " + field);
        assertTrue(v.isNumber(), what + ": " + field + " is " + v);
        double actual = v.asDouble();
        assertTrue(Math.abs(actual - expected) <= RELATIVE * Math.max(Math.abs(expected), Math.abs(actual)),
                what + ": " + field + " reported " + actual + ", recomputed " + expected);
    }
}
