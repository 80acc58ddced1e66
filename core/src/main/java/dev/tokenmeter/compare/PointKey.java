package dev.tokenmeter.compare;

import dev.tokenmeter.result.PointResult;
import java.util.Comparator;
import java.util.Locale;

/** What makes two points the same point in two results: the offline shape (batch, prompt and output length). */
public record PointKey(int batch, int promptLength, int outputLength) implements Comparable<PointKey> {
    private static final Comparator<PointKey> ORDER = Comparator.comparingInt(PointKey::batch)
            .thenComparingInt(PointKey::promptLength).thenComparingInt(PointKey::outputLength);

    public static PointKey of(PointResult p) {
        return new PointKey(p.batch(), p.promptLength(), p.outputLength());
    }

    @Override
    public int compareTo(PointKey o) {
        return ORDER.compare(this, o);
    }

    /** "batch 4, prompt 32, output 16", as the run report's warnings name points. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "batch %d, prompt %d, output %d", batch, promptLength, outputLength);
    }
}
