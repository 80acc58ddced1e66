package dev.tokenmeter.compare;

import dev.tokenmeter.scenario.TrialRecord;

/**
 * The metrics {@code compare} tests, each computed once per trial from the raw {@link TrialRecord}, so that the
 * tests see one sample per trial (the trials are the independent repetitions; the steps inside a trial are not).
 * Definitions as in DESIGN; times in milliseconds.
 */
public enum Metric {
    /** B·G / E2E: the point's output tokens over the trial's duration. */
    OUTPUT_TOKENS_PER_SECOND("output tok/s", "tok/s", Direction.HIGHER_IS_BETTER) {
        @Override
        double sample(int batch, int outputLength, TrialRecord t) {
            return t.outputTokensPerSecond(batch, outputLength);
        }
    },
    /** Arrival to the first tokens: the prefill step. */
    TTFT("TTFT", "ms", Direction.LOWER_IS_BETTER) {
        @Override
        double sample(int batch, int outputLength, TrialRecord t) {
            return t.prefillMs();
        }
    },
    /** (E2E − TTFT) / (G − 1); undefined for one output token. */
    TPOT("TPOT", "ms", Direction.LOWER_IS_BETTER) {
        @Override
        double sample(int batch, int outputLength, TrialRecord t) {
            return outputLength > 1 ? (t.e2eMs() - t.prefillMs()) / (outputLength - 1) : Double.NaN;
        }
    },
    /** Arrival to the last token. */
    E2E("E2E", "ms", Direction.LOWER_IS_BETTER) {
        @Override
        double sample(int batch, int outputLength, TrialRecord t) {
            return t.e2eMs();
        }
    },
    /**
     * The trial's mean decode step. In the offline scenario every request gets a token at each step, so this
     * equals TPOT; it is kept apart because under serving schedulers (prefill chunks mixed into decode steps,
     * queueing) the two differ, and it is the figure kernel work moves.
     */
    DECODE_STEP("decode step", "ms", Direction.LOWER_IS_BETTER) {
        @Override
        double sample(int batch, int outputLength, TrialRecord t) {
            double[] steps = t.decodeStepMs();
            if (steps.length == 0) {
                return Double.NaN;
            }
            double sum = 0;
            for (double s : steps) {
                sum += s;
            }
            return sum / steps.length;
        }
    };

    /** Which way is better. */
    public enum Direction {
        HIGHER_IS_BETTER,
        LOWER_IS_BETTER
    }

    private final String label;
    private final String unit;
    private final Direction direction;

    Metric(String label, String unit, Direction direction) {
        this.label = label;
        this.unit = unit;
        this.direction = direction;
    }

    /** How reports name it ("output tok/s", "TTFT"). */
    public String label() {
        return label;
    }

    /** "ms" or "tok/s". */
    public String unit() {
        return unit;
    }

    /** The label with its unit where the label lacks it: "TTFT ms", "output tok/s". */
    public String labelWithUnit() {
        return label.endsWith(unit) ? label : label + " " + unit;
    }

    public Direction direction() {
        return direction;
    }

    /** Whether a point of this output length has this metric (TPOT and decode step need two tokens or more). */
    public boolean definedFor(int outputLength) {
        return outputLength > 1 || (this != TPOT && this != DECODE_STEP);
    }

    /** This metric's value for one trial of a point; NaN where undefined. */
    abstract double sample(int batch, int outputLength, TrialRecord trial);
}
