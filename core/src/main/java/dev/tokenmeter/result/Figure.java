package dev.tokenmeter.result;

/** A chart a scenario draws of its points, and the sentence under it. */
public record Figure(SvgChart chart, String caption) {
}
