package dev.tokenmeter.result;

/**
 * How far the point being measured has got, as a progress display shows it.
 *
 * @param point     the point's label
 * @param status    what it is doing, in a few words: "warm-up 1/1", "trial 7 ±2.1% (target ±1%)",
 *                  "37/200 requests, 512 steps"
 * @param fraction  share of the point done, in [0, 1]; NaN where unknown
 * @param milestone whether this is a step worth a line of its own in a log (a warm-up or a trial done) rather than
 *                  an update a log may skip (a serving step)
 */
public record PointProgress(String point, String status, double fraction, boolean milestone) {
}
