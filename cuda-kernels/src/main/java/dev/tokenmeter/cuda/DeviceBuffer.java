package dev.tokenmeter.cuda;

import static dev.tokenmeter.cuda.CudaException.check;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/** Device memory in the current context, freed on close (JCuda frees nothing by itself). */
public final class DeviceBuffer implements AutoCloseable {
    private final CUdeviceptr pointer;
    private final long bytes;
    private boolean closed;

    private DeviceBuffer(CUdeviceptr pointer, long bytes) {
        this.pointer = pointer;
        this.bytes = bytes;
    }

    /** Allocates {@code bytes} (> 0) of uninitialized device memory. */
    public static DeviceBuffer allocate(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("bytes must be > 0, got " + bytes);
        }
        CUdeviceptr pointer = new CUdeviceptr();
        check(cuMemAlloc(pointer, bytes), "cuMemAlloc(" + bytes + " bytes)");
        return new DeviceBuffer(pointer, bytes);
    }

    /** The device address, for kernel arguments; valid until close. */
    public CUdeviceptr pointer() {
        checkOpen();
        return pointer;
    }

    public long bytes() {
        return bytes;
    }

    /** Copies {@code dst.length} 16-bit elements starting {@code byteOffset} bytes in; waits for the copy. */
    public void copyToHost(short[] dst, long byteOffset) {
        long n = 2L * dst.length;
        checkRange(byteOffset, n);
        check(cuMemcpyDtoH(Pointer.to(dst), pointer.withByteOffset(byteOffset), n), "cuMemcpyDtoH");
    }

    /** Copies {@code dst.length} 32-bit elements starting {@code byteOffset} bytes in; waits for the copy. */
    public void copyToHost(int[] dst, long byteOffset) {
        long n = 4L * dst.length;
        checkRange(byteOffset, n);
        check(cuMemcpyDtoH(Pointer.to(dst), pointer.withByteOffset(byteOffset), n), "cuMemcpyDtoH");
    }

    private void checkRange(long byteOffset, long n) {
        checkOpen();
        if (byteOffset < 0 || n > bytes - byteOffset) {
            throw new IndexOutOfBoundsException("bytes [" + byteOffset + ", " + byteOffset + " + " + n
                    + ") are outside this " + bytes + "-byte buffer");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("device buffer is freed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            check(cuMemFree(pointer), "cuMemFree");
        }
    }
}
