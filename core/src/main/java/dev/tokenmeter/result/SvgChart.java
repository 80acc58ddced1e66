package dev.tokenmeter.result;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small static chart drawn as inline SVG: either points on two numeric axes (series of markers, joined by
 * lines where asked, each optionally labelled) or one bar per category. Axes have ticks, tick labels and titles
 * with units; a legend appears under the plot when there is more than one series; a dashed reference line can
 * mark a limit. Points with an undefined coordinate (NaN, infinite, or not positive on a log axis) are left out
 * and counted in {@link #skipped()}; a chart with nothing to draw says "no data". No script, no external
 * resource: the output is well-formed XML that any browser shows as it is.
 *
 * <p>Coordinates are in SVG user units (CSS pixels at 100%); text widths are estimated from the character
 * count, which is enough to keep labels apart at the fixed font sizes used here.
 */
public final class SvgChart {
    /** Tableau 10: distinguishable, and still distinct for the common forms of colour blindness. */
    static final String[] PALETTE = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
        "#ff9da7", "#9c755f", "#bab0ac"};

    static final int WIDTH = 600;
    private static final int PLOT_HEIGHT = 260;
    private static final int TOP = 44;
    private static final int LEFT = 74;
    private static final int RIGHT = 24;
    private static final int FONT = 12;
    private static final double CHAR_WIDTH = 0.6; // of the font size, for a sans-serif face

    /** One point; {@code label} is drawn beside the marker (may be null), {@code tooltip} shows on hover. */
    public record Point(double x, double y, String label, String tooltip) {
    }

    /** A named series of points in one colour; a connected one is joined in the order of its points. */
    record Series(String name, List<Point> points, boolean connected) {
    }

    /** One bar: its category label under the axis, its value (and how to print it), colour index, hover text. */
    record Bar(String category, double value, String valueLabel, int color, String tooltip) {
    }

    private final String title;
    private final String xTitle;
    private final String yTitle;
    private final List<Series> series = new ArrayList<>();
    private final List<Bar> bars = new ArrayList<>();
    private final List<String> barLegend = new ArrayList<>();
    private boolean barChart;
    private boolean xLog;
    private boolean xFromZero;
    private double referenceY = Double.NaN;
    private String referenceLabel;
    private int skipped;

    private SvgChart(String title, String xTitle, String yTitle) {
        this.title = title;
        this.xTitle = xTitle;
        this.yTitle = yTitle;
    }

    /** A chart of points on two numeric axes; the y axis starts at zero. */
    public static SvgChart xy(String title, String xTitle, String yTitle) {
        return new SvgChart(title, xTitle, yTitle);
    }

    /** A chart of one bar per category; the y axis starts at zero. */
    public static SvgChart bars(String title, String xTitle, String yTitle) {
        SvgChart c = new SvgChart(title, xTitle, yTitle);
        c.barChart = true;
        return c;
    }

    /** Powers of two on the x axis (batch sizes), ticks at powers of two. */
    public SvgChart logX() {
        xLog = true;
        return this;
    }

    /** The x axis starts at zero. */
    public SvgChart xFromZero() {
        xFromZero = true;
        return this;
    }

    /** A dashed horizontal line at {@code y}, labelled. */
    public SvgChart reference(double y, String label) {
        referenceY = y;
        referenceLabel = label;
        return this;
    }

    /** Adds a series; its undefined points are left out and counted. */
    public SvgChart series(String name, List<Point> points, boolean connected) {
        List<Point> kept = new ArrayList<>();
        for (Point p : points) {
            if (Double.isFinite(p.x()) && Double.isFinite(p.y()) && (!xLog || p.x() > 0)) {
                kept.add(p);
            } else {
                skipped++;
            }
        }
        series.add(new Series(name, kept, connected));
        return this;
    }

    /** Adds a bar; an undefined value leaves it out and is counted. */
    public SvgChart bar(String category, double value, String valueLabel, int color, String tooltip) {
        if (Double.isFinite(value)) {
            bars.add(new Bar(category, value, valueLabel, color, tooltip));
        } else {
            skipped++;
        }
        return this;
    }

    /** Names of the bars' colours, for the legend. */
    public SvgChart barLegend(List<String> names) {
        barLegend.clear();
        barLegend.addAll(names);
        return this;
    }

    /** Points or bars left out because a figure was undefined. */
    public int skipped() {
        return skipped;
    }

    /** "2 points are left out: why.", or nothing when every point is drawn: the end of a chart's caption. */
    public String skippedNote(String why) {
        int n = skipped();
        return n == 0 ? "" : " " + n + " point" + (n == 1 ? " is" : "s are") + " left out: " + why + ".";
    }

    public String title() {
        return title;
    }

    private boolean empty() {
        return barChart ? bars.isEmpty() : series.stream().allMatch(s -> s.points().isEmpty());
    }

    // ---- rendering ----

    public String render() {
        List<String> legend = new ArrayList<>();
        if (barChart) {
            for (int i = 0; i < barLegend.size(); i++) {
                int color = i;
                boolean used = bars.stream().anyMatch(b -> b.color() == color);
                legend.add(barLegend.get(i) + (used ? "" : " (no data)"));
            }
        } else {
            for (Series s : series) {
                legend.add(s.name() + (s.points().isEmpty() ? " (no data)" : ""));
            }
        }
        boolean showLegend = legend.size() > 1 && !empty();
        int plotW = WIDTH - LEFT - RIGHT;
        int categoryRoom = barChart ? categoryLabelRoom(plotW) : 0;
        int xAxisBottom = TOP + PLOT_HEIGHT + 22 + categoryRoom; // below the tick labels
        List<double[]> legendBoxes = showLegend ? legendLayout(legend, plotW) : List.of();
        int legendRows = legendBoxes.isEmpty() ? 0 : (int) legendBoxes.get(legendBoxes.size() - 1)[1] + 1;
        int height = xAxisBottom + 26 + legendRows * 20 + 8;

        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\""
                + " viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\""
                + " font-family=\"DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif\" font-size=\"%d\">",
                WIDTH, height, WIDTH, height, escape(title), FONT));
        sb.append("<title>").append(escape(title)).append("</title>");
        sb.append("<rect x=\"0\" y=\"0\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\" fill=\"#ffffff\"/>");
        text(sb, WIDTH / 2.0, 24, title, "middle", "font-size=\"15\" font-weight=\"bold\"");
        // Axis titles: x under the tick labels, y rotated along the left edge.
        text(sb, LEFT + plotW / 2.0, xAxisBottom + 16, xTitle, "middle", "fill=\"#333333\"");
        sb.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%s\" text-anchor=\"middle\" fill=\"#333333\""
                + " transform=\"rotate(-90 16 %s)\">%s</text>", f(TOP + PLOT_HEIGHT / 2.0),
                f(TOP + PLOT_HEIGHT / 2.0), escape(yTitle)));

        if (empty()) {
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f7f7f7\""
                    + " stroke=\"#cccccc\"/>", LEFT, TOP, plotW, PLOT_HEIGHT));
            text(sb, LEFT + plotW / 2.0, TOP + PLOT_HEIGHT / 2.0, "no data", "middle",
                    "class=\"no-data\" font-size=\"16\" fill=\"#777777\"");
            if (skipped > 0) {
                text(sb, LEFT + plotW / 2.0, TOP + PLOT_HEIGHT / 2.0 + 22, skipped + " point"
                        + (skipped == 1 ? "" : "s") + " without a defined value", "middle", "fill=\"#777777\"");
            }
        } else if (barChart) {
            renderBars(sb, plotW);
        } else {
            renderPoints(sb, plotW);
        }
        if (showLegend) {
            renderLegend(sb, legend, legendBoxes, xAxisBottom + 30);
        }
        sb.append("</svg>");
        return sb.toString();
    }

    private void renderPoints(StringBuilder sb, int plotW) {
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        double yMax = 0;
        for (Series s : series) {
            for (Point p : s.points()) {
                xMin = Math.min(xMin, p.x());
                xMax = Math.max(xMax, p.x());
                yMax = Math.max(yMax, p.y());
            }
        }
        if (Double.isFinite(referenceY)) {
            yMax = Math.max(yMax, referenceY);
        }
        ChartAxis x = xLog ? ChartAxis.log2(xMin, xMax)
                : ChartAxis.linear(xFromZero ? Math.min(0, xMin) : xMin, xMax);
        ChartAxis y = ChartAxis.linear(0, yMax);
        grid(sb, x, y, plotW);

        List<double[]> placed = new ArrayList<>(); // label boxes and markers already drawn: x, y, w, h
        for (int i = 0; i < series.size(); i++) {
            for (Point p : series.get(i).points()) {
                double px = LEFT + x.position(p.x()) * plotW;
                double py = TOP + PLOT_HEIGHT - y.position(p.y()) * PLOT_HEIGHT;
                placed.add(new double[] {px - 5, py - 5, 10, 10});
            }
        }
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String color = PALETTE[i % PALETTE.length];
            List<Point> pts = new ArrayList<>(s.points());
            if (s.connected() && pts.size() > 1) {
                // In the order given: a latency-throughput curve follows the batch size, not the x axis.
                StringBuilder d = new StringBuilder();
                for (Point p : pts) {
                    d.append(d.length() == 0 ? "" : " ").append(f(LEFT + x.position(p.x()) * plotW)).append(',')
                            .append(f(TOP + PLOT_HEIGHT - y.position(p.y()) * PLOT_HEIGHT));
                }
                sb.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"2\" points=\"")
                        .append(d).append("\"/>");
            }
            sb.append("<g class=\"series\" fill=\"").append(color).append("\">");
            for (Point p : pts) {
                double px = LEFT + x.position(p.x()) * plotW;
                double py = TOP + PLOT_HEIGHT - y.position(p.y()) * PLOT_HEIGHT;
                sb.append("<circle cx=\"").append(f(px)).append("\" cy=\"").append(f(py))
                        .append("\" r=\"4.5\" stroke=\"#ffffff\" stroke-width=\"1\">");
                if (p.tooltip() != null) {
                    sb.append("<title>").append(escape(p.tooltip())).append("</title>");
                }
                sb.append("</circle>");
            }
            sb.append("</g>");
            for (Point p : pts) {
                if (p.label() == null) {
                    continue;
                }
                double px = LEFT + x.position(p.x()) * plotW;
                double py = TOP + PLOT_HEIGHT - y.position(p.y()) * PLOT_HEIGHT;
                label(sb, placed, px, py, p.label(), plotW);
            }
        }
    }

    /** Places a point's label beside it where it overlaps nothing drawn so far, or leaves it out. */
    private static void label(StringBuilder sb, List<double[]> placed, double px, double py, String label,
            int plotW) {
        double w = textWidth(label, 11);
        double h = 12;
        double[][] candidates = {{7, -7 - h}, {7, 5}, {-7 - w, -7 - h}, {-7 - w, 5}, {-w / 2, -10 - h},
            {-w / 2, 8}};
        for (double[] c : candidates) {
            double[] box = {px + c[0], py + c[1], w, h};
            if (box[0] < LEFT || box[0] + w > LEFT + plotW || box[1] < TOP || box[1] + h > TOP + PLOT_HEIGHT) {
                continue;
            }
            boolean free = true;
            for (double[] o : placed) {
                if (box[0] < o[0] + o[2] && o[0] < box[0] + w && box[1] < o[1] + o[3] && o[1] < box[1] + h) {
                    free = false;
                    break;
                }
            }
            if (free) {
                placed.add(box);
                sb.append("<text class=\"point-label\" x=\"").append(f(box[0])).append("\" y=\"")
                        .append(f(box[1] + h - 2)).append("\" font-size=\"11\" fill=\"#333333\">")
                        .append(escape(label)).append("</text>");
                return;
            }
        }
        // Crowded: the marker's tooltip still names the point.
    }

    private void renderBars(StringBuilder sb, int plotW) {
        double yMax = 0;
        for (Bar b : bars) {
            yMax = Math.max(yMax, b.value());
        }
        if (Double.isFinite(referenceY)) {
            yMax = Math.max(yMax, referenceY);
        }
        ChartAxis y = ChartAxis.linear(0, yMax);
        grid(sb, null, y, plotW);
        double slot = (double) plotW / bars.size();
        double barW = Math.min(48, slot * 0.7);
        boolean rotate = rotateCategories(plotW);
        boolean values = slot >= 38;
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            double cx = LEFT + slot * (i + 0.5);
            double top = TOP + PLOT_HEIGHT - y.position(Math.max(0, b.value())) * PLOT_HEIGHT;
            sb.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\""
                    + " fill=\"%s\">", f(cx - barW / 2), f(top), f(barW), f(TOP + PLOT_HEIGHT - top),
                    PALETTE[b.color() % PALETTE.length]));
            if (b.tooltip() != null) {
                sb.append("<title>").append(escape(b.tooltip())).append("</title>");
            }
            sb.append("</rect>");
            if (values && b.valueLabel() != null) {
                text(sb, cx, top - 4, b.valueLabel(), "middle", "font-size=\"11\" fill=\"#333333\"");
            }
            double ly = TOP + PLOT_HEIGHT + 16;
            if (rotate) {
                sb.append(String.format(Locale.ROOT, "<text x=\"%s\" y=\"%s\" text-anchor=\"end\" font-size=\"11\""
                        + " transform=\"rotate(-40 %s %s)\">%s</text>", f(cx + 4), f(ly), f(cx + 4), f(ly),
                        escape(b.category())));
            } else {
                text(sb, cx, ly, b.category(), "middle", "font-size=\"11\"");
            }
        }
        referenceLine(sb, y, plotW);
    }

    private boolean rotateCategories(int plotW) {
        double slot = (double) plotW / Math.max(1, bars.size());
        for (Bar b : bars) {
            if (textWidth(b.category(), 11) > slot - 6) {
                return true;
            }
        }
        return false;
    }

    /** Extra height under the axis for rotated category labels. */
    private int categoryLabelRoom(int plotW) {
        if (bars.isEmpty() || !rotateCategories(plotW)) {
            return 0;
        }
        double longest = 0;
        for (Bar b : bars) {
            longest = Math.max(longest, textWidth(b.category(), 11));
        }
        return (int) Math.ceil(longest * Math.sin(Math.toRadians(40)));
    }

    private void referenceLine(StringBuilder sb, ChartAxis y, int plotW) {
        if (!Double.isFinite(referenceY)) {
            return;
        }
        double ry = TOP + PLOT_HEIGHT - y.position(referenceY) * PLOT_HEIGHT;
        sb.append(String.format(Locale.ROOT, "<line class=\"reference\" x1=\"%d\" y1=\"%s\" x2=\"%d\" y2=\"%s\""
                + " stroke=\"#c0392b\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>", LEFT, f(ry), LEFT + plotW,
                f(ry)));
        if (referenceLabel != null) {
            text(sb, LEFT + plotW - 4, ry - 5, referenceLabel, "end", "font-size=\"11\" fill=\"#c0392b\"");
        }
    }

    /** Plot frame, horizontal grid lines with y tick labels, and (for a numeric x) vertical ticks and labels. */
    private static void grid(StringBuilder sb, ChartAxis x, ChartAxis y, int plotW) {
        sb.append("<g class=\"grid\" stroke=\"#e5e5e5\" stroke-width=\"1\">");
        for (double t : y.ticks()) {
            double py = TOP + PLOT_HEIGHT - y.position(t) * PLOT_HEIGHT;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%s\" x2=\"%d\" y2=\"%s\"/>", LEFT, f(py),
                    LEFT + plotW, f(py)));
        }
        if (x != null) {
            for (double t : x.ticks()) {
                double px = LEFT + x.position(t) * plotW;
                sb.append(String.format(Locale.ROOT, "<line x1=\"%s\" y1=\"%d\" x2=\"%s\" y2=\"%d\"/>", f(px), TOP,
                        f(px), TOP + PLOT_HEIGHT));
            }
        }
        sb.append("</g>");
        sb.append(String.format(Locale.ROOT, "<g class=\"axes\" stroke=\"#333333\" stroke-width=\"1\">"
                + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/></g>",
                LEFT, TOP, LEFT, TOP + PLOT_HEIGHT, LEFT, TOP + PLOT_HEIGHT, LEFT + plotW, TOP + PLOT_HEIGHT));
        sb.append("<g class=\"ticks\" fill=\"#333333\" font-size=\"11\">");
        for (double t : y.ticks()) {
            double py = TOP + PLOT_HEIGHT - y.position(t) * PLOT_HEIGHT;
            text(sb, LEFT - 6, py + 4, y.label(t), "end", null);
        }
        if (x != null) {
            for (double t : x.ticks()) {
                double px = LEFT + x.position(t) * plotW;
                text(sb, px, TOP + PLOT_HEIGHT + 16, x.label(t), "middle", null);
            }
        }
        sb.append("</g>");
    }

    /** Legend entries flowed into rows across the plot's width: for each, {column x, row index}. */
    private static List<double[]> legendLayout(List<String> names, int plotW) {
        List<double[]> out = new ArrayList<>();
        double at = 0;
        int row = 0;
        for (String n : names) {
            double w = 22 + textWidth(n, FONT) + 18;
            if (at > 0 && at + w > plotW) {
                row++;
                at = 0;
            }
            out.add(new double[] {at, row});
            at += w;
        }
        return out;
    }

    private static void renderLegend(StringBuilder sb, List<String> names, List<double[]> boxes, int top) {
        sb.append("<g class=\"legend\">");
        for (int i = 0; i < names.size(); i++) {
            double lx = LEFT + boxes.get(i)[0];
            double ly = top + boxes.get(i)[1] * 20;
            String color = PALETTE[i % PALETTE.length];
            sb.append(String.format(Locale.ROOT, "<rect x=\"%s\" y=\"%s\" width=\"16\" height=\"10\" fill=\"%s\"/>",
                    f(lx), f(ly), color));
            text(sb, lx + 22, ly + 9, names.get(i), "start", null);
        }
        sb.append("</g>");
    }

    private static void text(StringBuilder sb, double x, double y, String content, String anchor, String extra) {
        sb.append("<text x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\" text-anchor=\"")
                .append(anchor).append('"');
        if (extra != null) {
            sb.append(' ').append(extra);
        }
        sb.append('>').append(escape(content)).append("</text>");
    }

    static double textWidth(String s, int fontSize) {
        return s.length() * fontSize * CHAR_WIDTH;
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** Text made safe for XML and HTML, in element content and in quoted attribute values alike. */
    public static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&':
                    sb.append("&amp;");
                    break;
                case '<':
                    sb.append("&lt;");
                    break;
                case '>':
                    sb.append("&gt;");
                    break;
                case '"':
                    sb.append("&quot;");
                    break;
                case '\'':
                    sb.append("&#39;");
                    break;
                default:
                    // Control characters other than tab and line ends are not allowed in XML 1.0: drop them.
                    if (ch >= 0x20 || ch == '\t' || ch == '\n' || ch == '\r') {
                        sb.append(ch);
                    }
            }
        }
        return sb.toString();
    }
}
