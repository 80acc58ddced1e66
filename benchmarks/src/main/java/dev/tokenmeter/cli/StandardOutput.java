package dev.tokenmeter.cli;

import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;

/**
 * Standard output as the commands write it, keeping the first write error. A PrintWriter never throws, and
 * {@code System.out} (a PrintStream) swallows errors too, so a report written to {@code /dev/full}, a full disk or a
 * closed pipe would be lost with exit code 0; this writer goes straight to file descriptor 1, and after the command
 * {@link Main} asks {@link #checkError()} and reports {@link #failure()}.
 */
final class StandardOutput extends PrintWriter {
    private final Recording stream;

    private StandardOutput(Recording stream, Charset charset) {
        super(new BufferedWriter(new OutputStreamWriter(stream, charset)), true);
        this.stream = stream;
    }

    /** The process's standard output, in the encoding the JVM chose for it. */
    static StandardOutput open() {
        String encoding = System.getProperty("sun.stdout.encoding");
        Charset charset;
        try {
            charset = encoding == null ? Charset.defaultCharset() : Charset.forName(encoding);
        } catch (IllegalArgumentException e) {
            charset = Charset.defaultCharset();
        }
        return new StandardOutput(new Recording(new FileOutputStream(FileDescriptor.out)), charset);
    }

    /** The first write error, or null. */
    IOException failure() {
        return stream.failure;
    }

    /** Passes writes through and keeps the first error that a PrintWriter above it would only turn into a flag. */
    private static final class Recording extends FilterOutputStream {
        private IOException failure;

        Recording(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                record(e);
                throw e;
            }
        }

        @Override
        public void write(int b) throws IOException {
            try {
                out.write(b);
            } catch (IOException e) {
                record(e);
                throw e;
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                record(e);
                throw e;
            }
        }

        private synchronized void record(IOException e) {
            if (failure == null) {
                failure = e;
            }
        }
    }
}
