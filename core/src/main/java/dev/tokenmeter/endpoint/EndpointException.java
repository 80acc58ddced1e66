package dev.tokenmeter.endpoint;

import dev.tokenmeter.TokenmeterException;

/**
 * An endpoint that cannot be measured, found before the measured load starts (by {@link EndpointProbe} or when
 * the API key is read): one line that says what is wrong, and whether the user asked for something wrong (a bad
 * URL, model name or key: a usage error, exit code 2) or the server failed (unreachable, broken: a failed run,
 * exit code 1).
 */
public final class EndpointException extends TokenmeterException {
    private static final long serialVersionUID = 1L;

    private final boolean usage;

    public EndpointException(boolean usage, String message) {
        super(message);
        this.usage = usage;
    }

    /** Whether it is the user's to fix (a bad URL, model or key) rather than the server's failure. */
    public boolean usage() {
        return usage;
    }

    /** The command line's exit code: 2 for a usage error, 1 for a failed run. */
    public int exitCode() {
        return usage ? 2 : 1;
    }
}
