package dev.tokenmeter.endpoint;

import dev.tokenmeter.serving.Arrival;
import dev.tokenmeter.serving.RequestRecord;
import dev.tokenmeter.serving.ServingLoop;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Measures the endpoint client's own overhead against a local server that answers at once (docs/endpoint-client.md
 * records its figures): closed loops of 1, 100 and 2000 concurrent streams (the per-request time, scheduled
 * arrival to last token, is the client's and the loopback's cost plus the scripted server's), then an open loop of
 * 2000 streams that the server holds ~1 s each, arriving at 2000/s: the client's send lag behind the schedule. Not
 * a test (no timed assertion anywhere); run it with
 * {@code ./mvnw -B -o -q -pl core test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.tokenmeter.endpoint.EndpointOverhead}.
 */
public final class EndpointOverhead {
    private static final int OUTPUT = 8;

    private EndpointOverhead() {
    }

    public static void main(String[] args) throws Exception {
        System.out.printf(Locale.ROOT, "%-34s %8s %9s %9s %9s %9s %9s %9s%n", "run", "req/s", "e2e p50", "e2e p99",
                "ttft p50", "lag p50", "lag p99", "lag max");
        try (ScriptedServer server = new ScriptedServer((req, out) -> ScriptedServer.oneByOne(req, out, OUTPUT));
                EndpointTarget t = new EndpointTarget(Fixtures.endpoint(server.url(), 60), Fixtures.MODEL, null)) {
            t.closedLoop(requests(3000), 50, 1, Long.MAX_VALUE, null);
            for (int c : new int[] {1, 100, 2000}) {
                int n = Math.max(2000, 3 * c);
                long t0 = System.nanoTime();
                ServingLoop.Outcome o = t.closedLoop(requests(n), c, 1, Long.MAX_VALUE, null);
                print("closed loop, " + c + " concurrent", o, (System.nanoTime() - t0) / 1e9);
            }
        }
        try (ScriptedServer server = new ScriptedServer((req, out) -> {
            out.stream();
            Thread.sleep(1000);
            for (int i = 1; i <= OUTPUT; i++) {
                out.event(ScriptedServer.chunk("t", i == OUTPUT ? "length" : null, 4, i));
            }
            out.done().end();
        }); EndpointTarget t = new EndpointTarget(Fixtures.endpoint(server.url(), 60), Fixtures.MODEL, null)) {
            List<Arrival> arrivals = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                arrivals.add(new Arrival(i, i / 2000.0, 4, OUTPUT));
            }
            long t0 = System.nanoTime();
            ServingLoop.Outcome o = t.openLoop(arrivals, 1, Long.MAX_VALUE, null);
            print("open loop 2000/s, held 1 s (peak " + o.peakInFlight() + ")", o, (System.nanoTime() - t0) / 1e9);
        }
    }

    private static List<Arrival> requests(int n) {
        List<Arrival> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Arrival(i, 0, 4, OUTPUT));
        }
        return out;
    }

    private static void print(String name, ServingLoop.Outcome o, double seconds) {
        int n = o.finished().size();
        double[] e2e = new double[n];
        double[] ttft = new double[n];
        double[] lag = new double[n];
        int ok = 0;
        for (RequestRecord r : o.finished()) {
            if (r.completed()) {
                long[] tk = r.tokenNanos();
                e2e[ok] = (tk[tk.length - 1] - r.arrivalNanos()) / 1e6;
                ttft[ok] = (tk[0] - r.arrivalNanos()) / 1e6;
                lag[ok++] = (r.sentNanos() - r.arrivalNanos()) / 1e6;
            }
        }
        if (ok != n || !o.unfinished().isEmpty()) {
            System.out.println(name + ": " + (n - ok) + " failed, " + o.unfinished().size() + " unfinished");
            o.finished().stream().filter(RequestRecord::failed).map(r -> r.failure().toString()).distinct()
                    .limit(5).forEach(f -> System.out.println("  " + f));
        }
        System.out.printf(Locale.ROOT, "%-34s %8.0f %9.2f %9.2f %9.2f %9.3f %9.3f %9.3f%n", name, ok / seconds,
                q(e2e, ok, 0.5), q(e2e, ok, 0.99), q(ttft, ok, 0.5), q(lag, ok, 0.5), q(lag, ok, 0.99),
                q(lag, ok, 1.0));
    }

    private static double q(double[] v, int n, double p) {
        double[] s = Arrays.copyOf(v, n);
        Arrays.sort(s);
        return s[Math.min(n - 1, (int) Math.ceil(p * n) - 1)];
    }
}
