package dev.tokenmeter.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.TestResults;
import dev.tokenmeter.scenario.offline.OfflinePoint;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

class HtmlReportTest {
    // The charts' titles as a reader sees them (the scenarios keep their own copies package-private).
    static final String THROUGHPUT_TITLE = "Output throughput against batch size";
    static final String LATENCY_TITLE = "Latency against throughput (TPOT p50 vs output tok/s)";
    static final String COST_TITLE = "Cost per 1M output tokens against interactivity";
    static final String MBU_TITLE = "Decode memory-bandwidth utilization (MBU) per point";
    static final String SERVING_TTFT_TITLE = "Serving: TTFT p99 against output throughput";
    static final String SERVING_TPOT_TITLE = "Serving: TPOT p99 against output throughput";
    static final List<String> TITLES = List.of(THROUGHPUT_TITLE, LATENCY_TITLE, COST_TITLE, MBU_TITLE);

    /**
     * The report parsed strictly as XML: an unclosed tag, a stray '&' or an unescaped '<' in text fails here,
     * which is stricter than a browser. No DTD or external entity is loaded.
     */
    static Document parse(String html) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            return b.parse(new InputSource(new StringReader(html)));
        } catch (Exception e) {
            throw new AssertionError("the report is not well-formed: " + e.getMessage(), e);
        }
    }

    private static List<Element> elements(Node root, String tag) {
        NodeList nodes = root instanceof Document ? ((Document) root).getElementsByTagName(tag)
                : ((Element) root).getElementsByTagName(tag);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add((Element) nodes.item(i));
        }
        return out;
    }

    private static Element byClass(Node root, String tag, String cls) {
        for (Element e : elements(root, tag)) {
            if ((" " + e.getAttribute("class") + " ").contains(" " + cls + " ")) {
                return e;
            }
        }
        throw new AssertionError("no <" + tag + " class=" + cls + ">");
    }

    private static List<Element> svgs(Document doc) {
        List<Element> svgs = elements(doc, "svg");
        assertEquals(4, svgs.size(), "four charts");
        return svgs;
    }

    /** The chart whose title is {@code title}. */
    private static Element chart(Document doc, String title) {
        for (Element svg : svgs(doc)) {
            if (title.equals(elements(svg, "title").get(0).getTextContent())) {
                return svg;
            }
        }
        throw new AssertionError("no chart titled " + title);
    }

    private static List<String> texts(Element root, String tag) {
        List<String> out = new ArrayList<>();
        for (Element e : elements(root, tag)) {
            out.add(e.getTextContent().trim());
        }
        return out;
    }

    private static void assertContains(String text, String part) {
        assertTrue(text.contains(part), () -> "expected '" + part + "' in:\n" + text);
    }

    @Test
    void wellFormedWithFourTitledChartsInOrder() {
        Document doc = parse(HtmlReport.render(TestResults.twoPoints()));
        List<Element> svgs = svgs(doc);
        for (int i = 0; i < 4; i++) {
            Element svg = svgs.get(i);
            assertEquals("http://www.w3.org/2000/svg", svg.getAttribute("xmlns"));
            assertEquals(TITLES.get(i), elements(svg, "title").get(0).getTextContent());
            assertTrue(texts(svg, "text").contains(TITLES.get(i)), "title drawn in the chart");
            // Axes with tick labels and titles with units.
            assertTrue(texts(svg, "text").size() > 8, "ticks and labels in " + TITLES.get(i));
        }
        assertEquals("tokenmeter: tiny on Test CPU 9000", elements(doc, "h1").get(0).getTextContent());
    }

    @Test
    void selfContained() {
        for (Result r : List.of(TestResults.twoPoints(), TestResults.sweep(), TestResults.withoutCost())) {
            String html = HtmlReport.render(r);
            for (String external : List.of("<script", "<link", "<img", "<iframe", "src=", "href=", "url(",
                    "@import", "https:")) {
                assertFalse(html.contains(external), "must not fetch anything: found " + external);
            }
            // The only URI is the SVG namespace name, which is never fetched.
            assertEquals(html.split("http:", -1).length - 1, html.split("http://www.w3.org/2000/svg", -1).length - 1);
        }
    }

    @Test
    void pointsTableHoldsTheFiguresAndMarksErrorRows() {
        Document doc = parse(HtmlReport.render(TestResults.twoPoints()));
        Element table = byClass(doc, "table", "points");
        assertEquals(ConsoleReportTest.HEADER, texts(table, "th"));
        assertEquals("points", table.getAttribute("class"));
        List<Element> rows = elements(elements(table, "tbody").get(0), "tr");
        assertEquals(2, rows.size());
        assertEquals(List.of("1", "8", "4", "3", "12.50", "4.250", "6.125", "25.25", "158.4", "475.2", "39.60",
                "42.3", "5.2", "7.07e-07", "0.177", "3.4*"), texts(rows.get(0), "td"));
        assertEquals(List.of("2", "8", "1", "2", "20.00", "-", "-", "20.00", "100.0", "900.0", "100.0", "-",
                "90.0", "2.80e-07", "0.280", "0.0"), texts(rows.get(1), "td"));
        assertEquals("", rows.get(0).getAttribute("class"));
        assertEquals("error", rows.get(1).getAttribute("class"), "the point with a roofline violation");
    }

    @Test
    void summaryNamesModelDeviceAndPrice() {
        Document doc = parse(HtmlReport.render(TestResults.twoPoints()));
        String summary = byClass(doc, "dl", "summary").getTextContent();
        assertContains(summary, "tiny: 0.525M params, 2 layers");
        assertContains(summary, "cpu (asked: auto), seed 42");
        assertContains(summary, "Test CPU 9000 (cpu, 2 cores, 8.00 GB JVM heap)");
        assertContains(summary, "20.00 GB/s, 100.0 GFLOP/s (" + TestResults.SOURCE + ")");
        assertContains(summary, "$0.1008 per device-hour, cpu (AWS EC2");
    }

    @Test
    void errorsComeFirstInBoldThenWarnings() {
        Document doc = parse(HtmlReport.render(TestResults.twoPoints()));
        Element errors = byClass(doc, "section", "error");
        assertEquals("alert", errors.getAttribute("role"));
        assertEquals(List.of("batch 2, prompt 8, output 1: MEASUREMENT ERROR: " + TestResults.VIOLATION
                + "; a result faster than the device's roofline cannot be right"), texts(errors, "strong"));
        Element warnings = byClass(doc, "section", "warning");
        assertEquals(List.of("batch 1, prompt 8, output 4: " + TestResults.BUDGET_WARNING, TestResults.RUN_WARNING),
                texts(warnings, "li"));
        String html = HtmlReport.render(TestResults.twoPoints());
        assertTrue(html.indexOf("class=\"alert error\"") < html.indexOf("class=\"points\""),
                "errors before the table");
        assertContains(byClass(parse(HtmlReport.render(TestResults.incomplete())), "section", "error")
                .getTextContent(), "INCOMPLETE RUN");
    }

    @Test
    void chartsDrawEveryDefinedPointAndSayWhatIsLeftOut() {
        Document doc = parse(HtmlReport.render(TestResults.twoPoints()));
        // Throughput: both points; latency and cost: only the point with a TPOT; MBU: only the one with decode.
        assertEquals(2, elements(chart(doc, THROUGHPUT_TITLE), "circle").size());
        Element latency = chart(doc, LATENCY_TITLE);
        assertEquals(1, elements(latency, "circle").size());
        assertEquals("batch 1, prompt 8, output 4: TPOT 4.250 ms at 158.4 output tok/s",
                elements(elements(latency, "circle").get(0), "title").get(0).getTextContent());
        assertTrue(texts(latency, "text").contains("b1"), "points labelled with their batch");
        assertTrue(texts(latency, "text").contains("prompt 8, output 1 (no data)"), "legend");
        Element cost = chart(doc, COST_TITLE);
        assertEquals("batch 1, prompt 8, output 4: $0.177 per 1M output tokens at 235.3 tok/s per user",
                elements(elements(cost, "circle").get(0), "title").get(0).getTextContent());
        Element mbu = chart(doc, MBU_TITLE);
        List<Element> bars = new ArrayList<>();
        for (Element r : elements(mbu, "rect")) {
            if ("bar".equals(r.getAttribute("class"))) {
                bars.add(r);
            }
        }
        assertEquals(1, bars.size());
        assertTrue(texts(mbu, "text").contains("42.3%"), () -> texts(mbu, "text").toString());
        assertTrue(texts(mbu, "text").contains("100% of measured bandwidth"));
        assertEquals(1, elements(mbu, "line").stream().filter(l -> "reference".equals(l.getAttribute("class")))
                .count());
        String captions = doc.getElementsByTagName("figcaption").item(3).getTextContent();
        assertContains(captions, "1 point is left out: no decode steps");
    }

    @Test
    void axesHaveTicksAndUnits() {
        Document doc = parse(HtmlReport.render(TestResults.sweep()));
        List<String> throughput = texts(chart(doc, THROUGHPUT_TITLE), "text");
        for (String tick : List.of("1", "2", "4", "8", "16", "32", "64", "0", "1000", "2000", "3000")) {
            assertTrue(throughput.contains(tick), () -> "tick " + tick + " in " + throughput);
        }
        assertTrue(throughput.contains("batch size (requests, log scale)"));
        assertTrue(throughput.contains("output tok/s (median)"));
        assertTrue(throughput.contains("prompt 128, output 32") && throughput.contains("prompt 512, output 128"),
                "a legend entry per (prompt, output) pair");
        assertTrue(texts(chart(doc, LATENCY_TITLE), "text").contains("TPOT p50 (ms per output token)"));
        assertTrue(texts(chart(doc, COST_TITLE), "text").contains("USD per 1M output tokens"));
        for (String title : List.of(THROUGHPUT_TITLE, LATENCY_TITLE, COST_TITLE)) {
            assertEquals(14, elements(chart(doc, title), "circle").size(), title);
            assertEquals(2, elements(chart(doc, title), "polyline").size(), title + ": one line per series");
        }
    }

    @Test
    void markersLieWhereTheirValuesSay() {
        // In the throughput chart, a larger output tok/s must be drawn higher (a smaller SVG y).
        Result r = TestResults.sweep();
        Element svg = chart(parse(HtmlReport.render(r)), THROUGHPUT_TITLE);
        List<Element> circles = elements(svg, "circle");
        for (int i = 1; i < 7; i++) {
            double lower = Double.parseDouble(circles.get(i - 1).getAttribute("cy"));
            double higher = Double.parseDouble(circles.get(i).getAttribute("cy"));
            assertTrue(higher < lower, "batch " + r.points(OfflinePoint.class).get(i).batch()
                    + " drawn above the batch before");
            assertTrue(Double.parseDouble(circles.get(i).getAttribute("cx"))
                    > Double.parseDouble(circles.get(i - 1).getAttribute("cx")), "and to its right");
        }
    }

    @Test
    void emptyChartSaysNoData() {
        Document doc = parse(HtmlReport.render(TestResults.withoutCost()));
        Element cost = chart(doc, COST_TITLE);
        assertTrue(texts(cost, "text").contains("no data"));
        assertEquals(0, elements(cost, "circle").size());
        assertFalse(texts(chart(doc, THROUGHPUT_TITLE), "text").contains("no data"));
    }

    @Test
    void textFromTheResultIsEscaped() {
        Result r = TestResults.twoPoints();
        String name = "<script>alert(\"x\")</script> & 'co'";
        OfflinePoint warned = TestResults.withWarnings(r.points(OfflinePoint.class).get(0),
                List.of("<b>bold</b> & \u0001"));
        String html = HtmlReport.render(TestResults.with(r, TestResults.renamed(r, name), List.of(warned),
                List.of()));
        assertFalse(html.contains("<script"), html);
        assertFalse(html.contains("<b>"), html);
        Document doc = parse(html);
        assertEquals("tokenmeter: " + name + " on Test CPU 9000", elements(doc, "h1").get(0).getTextContent());
        assertEquals(List.of("batch 1, prompt 8, output 4: <b>bold</b> &"),
                texts(byClass(doc, "section", "warning"), "li"));
    }

    @Test
    void svgFragmentsParseOnTheirOwn() {
        // Each chart is also usable alone (saved as an .svg file): it must parse without the page around it.
        String html = HtmlReport.render(TestResults.sweep());
        Matcher m = Pattern.compile("<svg .*?</svg>", Pattern.DOTALL).matcher(html);
        int n = 0;
        while (m.find()) {
            Document svg = parse(m.group());
            assertEquals("svg", svg.getDocumentElement().getTagName());
            n++;
        }
        assertEquals(4, n);
    }

    @Test
    void outputFormatRendersHtml() {
        assertEquals(HtmlReport.render(TestResults.twoPoints()), OutputFormat.HTML.render(TestResults.twoPoints()));
        assertEquals("html", OutputFormat.HTML.extension());
    }

    // ---- serving ----

    @Test
    void servingReportShowsTheServingTableAndItsCharts() {
        String html = HtmlReport.render(TestResults.serving());
        Document doc = parse(html);
        assertContains(html, "<h2>Serving points</h2>");
        Element table = byClass(doc, "table", "points");
        assertEquals("points serving", table.getAttribute("class"), "as serving tables were before");
        assertEquals(ConsoleReportTest.SERVING_HEADER, texts(table, "th"));
        assertContains(html, "<th scope=\"col\">goodput req/s</th>");
        assertContains(html, "<td style=\"text-align:left\">rate 10.0</td>");
        assertContains(html, SERVING_TTFT_TITLE);
        assertContains(html, SERVING_TPOT_TITLE);
        assertFalse(html.contains(MBU_TITLE), "no offline charts in a serving report");
        assertEquals(2, doc.getElementsByTagName("svg").getLength());
        assertContains(html, "1 point is left out: TPOT is undefined");
        assertContains(html, "<dt>SLO</dt><dd>" + TestResults.SLO + "</dd>");
        assertContains(html, "<dt>Scheduler</dt><dd>16 sequences, step budget 256 tokens, KV 64 blocks of 16</dd>");
    }
}
