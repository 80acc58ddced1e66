package dev.tokenmeter.cuda;

import static dev.tokenmeter.cuda.CudaException.check;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;

/**
 * Page-locked host memory: asynchronous copies from and to it really are asynchronous, and may be captured in a
 * graph (a copy from a Java array may not). Freed on close.
 */
final class PinnedBuffer implements AutoCloseable {
    private final Pointer pointer;
    private final ByteBuffer buffer;
    private boolean closed;

    private PinnedBuffer(Pointer pointer, long bytes) {
        this.pointer = pointer;
        this.buffer = pointer.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
    }

    static PinnedBuffer allocate(long bytes) {
        if (bytes <= 0 || bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pinned buffer size must be in (0, 2^31), got " + bytes);
        }
        Pointer p = new Pointer();
        check(cuMemAllocHost(p, bytes), "cuMemAllocHost(" + bytes + " bytes)");
        return new PinnedBuffer(p, bytes);
    }

    Pointer pointer() {
        return pointer;
    }

    /** A view in native byte order, positioned at 0. */
    ByteBuffer buffer() {
        return buffer.duplicate().order(ByteOrder.nativeOrder());
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            check(cuMemFreeHost(pointer), "cuMemFreeHost");
        }
    }
}
