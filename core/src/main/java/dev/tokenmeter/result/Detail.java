package dev.tokenmeter.result;

/**
 * One line of a report's header that a scenario adds ("trials: 1 warm-up, then 2 to 20 per point...", "slo:
 * ttft:p99=2000ms").
 *
 * @param name a short name, capitalized as a heading ("Trials", "SLO"); the console writes it in lower case
 * @param text the line
 */
public record Detail(String name, String text) {
}
