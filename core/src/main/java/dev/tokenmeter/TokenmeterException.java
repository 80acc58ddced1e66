package dev.tokenmeter;

/**
 * A run that could not be carried out (as opposed to a usage error, which is an {@link IllegalArgumentException}):
 * not enough memory, a device fault, an I/O failure while writing results.
 */
public class TokenmeterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TokenmeterException(String message) {
        super(message);
    }

    public TokenmeterException(String message, Throwable cause) {
        super(message, cause);
    }
}
