package dev.tokenmeter.result;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A plain-text table whose column widths come from its content: text columns left-aligned, numeric columns
 * right-aligned so that digits line up. Undefined cells ({@code null}, NaN) are shown as {@value #UNDEFINED}.
 */
public final class TextTable {
    /** What a cell with no defined value shows. */
    public static final String UNDEFINED = "-";
    private static final String GAP = "  ";

    private final List<String> headers = new ArrayList<>();
    private final List<Boolean> rightAligned = new ArrayList<>();
    private final List<String[]> rows = new ArrayList<>();

    /** An empty table: add its columns, then its rows. */
    public TextTable() {
    }

    /** Adds a left-aligned column. Columns must all be added before the first row. */
    public TextTable left(String header) {
        return column(header, false);
    }

    /** Adds a right-aligned (numeric) column. */
    public TextTable right(String header) {
        return column(header, true);
    }

    private TextTable column(String header, boolean right) {
        if (!rows.isEmpty()) {
            throw new IllegalStateException("columns must be declared before rows");
        }
        headers.add(header);
        rightAligned.add(right);
        return this;
    }

    /** Adds a row of already formatted cells, one per column; a null cell shows as {@value #UNDEFINED}. */
    public TextTable row(String... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("a row needs " + headers.size() + " cells, got " + cells.length);
        }
        String[] copy = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            copy[i] = cells[i] == null || cells[i].isEmpty() ? UNDEFINED : cells[i];
        }
        rows.add(copy);
        return this;
    }

    public int rowCount() {
        return rows.size();
    }

    /** The table: a header line, a rule, then the rows; every line ends with a newline, none with spaces. */
    public String render() {
        int[] width = new int[headers.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = headers.get(c).length();
            for (String[] r : rows) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, headers.toArray(new String[0]), width);
        String[] rule = new String[width.length];
        for (int c = 0; c < width.length; c++) {
            rule[c] = "-".repeat(width[c]);
        }
        line(sb, rule, width);
        for (String[] r : rows) {
            line(sb, r, width);
        }
        return sb.toString();
    }

    private void line(StringBuilder sb, String[] cells, int[] width) {
        StringBuilder l = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                l.append(GAP);
            }
            String pad = " ".repeat(width[c] - cells[c].length());
            l.append(rightAligned.get(c) ? pad + cells[c] : cells[c] + pad);
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }

    // ---- number formatting shared by the renderers ----

    /** {@code value} with {@code decimals} decimals, or {@value #UNDEFINED} when NaN or infinite. */
    public static String fixed(double value, int decimals) {
        if (!Double.isFinite(value)) {
            return UNDEFINED;
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /**
     * {@code value} to about {@code digits} significant digits, in plain notation for magnitudes in
     * [0.001, 10⁹) and scientific notation outside (costs per query on a fast device are millionths of a
     * dollar); {@value #UNDEFINED} when NaN or infinite.
     */
    public static String significant(double value, int digits) {
        if (!Double.isFinite(value)) {
            return UNDEFINED;
        }
        double a = Math.abs(value);
        if (a == 0) {
            return "0";
        }
        if (a < 1e-3 || a >= 1e9) {
            return String.format(Locale.ROOT, "%." + (digits - 1) + "e", value);
        }
        int magnitude = (int) Math.floor(Math.log10(a));
        int decimals = Math.max(0, digits - 1 - magnitude);
        String s = String.format(Locale.ROOT, "%." + decimals + "f", value);
        // Rounding can carry into a new digit (9.995 -> 10.00): drop the decimal that is then one too many.
        if (decimals > 0 && Math.abs(Double.parseDouble(s)) >= Math.pow(10, magnitude + 1)) {
            s = String.format(Locale.ROOT, "%." + (decimals - 1) + "f", value);
        }
        return s;
    }

    /** A fraction as a percentage with one decimal ("87.5"), or {@value #UNDEFINED}. */
    public static String percent(double fraction) {
        return fixed(fraction * 100.0, 1);
    }

    /** Bytes in decimal units: "1.50 GB", "512 B". */
    public static String bytes(double bytes) {
        if (!Double.isFinite(bytes)) {
            return UNDEFINED;
        }
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        int u = 0;
        double v = bytes;
        while (Math.abs(v) >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f B", v) : significant(v, 3) + " " + units[u];
    }

    /** A rate in FLOP/s with the unit that keeps it readable: TFLOP/s from 10¹², else GFLOP/s. */
    public static String flops(double flopsPerSecond) {
        if (!Double.isFinite(flopsPerSecond)) {
            return UNDEFINED;
        }
        return flopsPerSecond >= 1e12 ? significant(flopsPerSecond / 1e12, 4) + " TFLOP/s"
                : significant(flopsPerSecond / 1e9, 4) + " GFLOP/s";
    }

    /** A bandwidth in GB/s (10⁹ bytes per second, as vendors quote it). */
    public static String bandwidth(double bytesPerSecond) {
        if (!Double.isFinite(bytesPerSecond)) {
            return UNDEFINED;
        }
        return significant(bytesPerSecond / 1e9, 4) + " GB/s";
    }

    /** Significant digits of a number in a CSV cell ({@link #plain}). */
    public static final int CSV_DIGITS = 6;

    /**
     * A double in plain notation ("0.000000707", "20000000000"), rounded to {@value #CSV_DIGITS} significant digits
     * (C's {@code %g}), trailing zeros dropped; empty when NaN or infinite: how CSV cells hold numbers, for
     * spreadsheets and data-frame readers. Six digits are more than any figure here is known to (two runs of one
     * point rarely agree to 0.1%), and fewer than the 17 a double prints with, which are noise; the JSON result
     * keeps every digit.
     */
    public static String plain(double v) {
        if (!Double.isFinite(v)) {
            return "";
        }
        if (v == 0) {
            return "0"; // also -0.0
        }
        return new BigDecimal(v).round(new MathContext(CSV_DIGITS, RoundingMode.HALF_EVEN)).stripTrailingZeros()
                .toPlainString();
    }
}
