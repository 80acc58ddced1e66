package dev.tokenmeter.cuda;

import static dev.tokenmeter.cuda.CudaException.check;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;

/** A start and an end event: the device time of the work a stream ran between them. */
final class CudaEvents implements AutoCloseable {
    private final CUevent start = new CUevent();
    private final CUevent end = new CUevent();
    private boolean closed;

    CudaEvents() {
        check(cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
        try {
            check(cuEventCreate(end, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
        } catch (RuntimeException e) {
            cuEventDestroy(start);
            throw e;
        }
    }

    void recordStart(CUstream stream) {
        check(cuEventRecord(start, stream), "cuEventRecord(step start)");
    }

    /** Records the end, waits for it, and returns the nanoseconds between the events. */
    long recordEndAndWait(CUstream stream) {
        check(cuEventRecord(end, stream), "cuEventRecord(step end)");
        check(cuEventSynchronize(end), "cuEventSynchronize(step end)");
        float[] ms = new float[1];
        check(cuEventElapsedTime(ms, start, end), "cuEventElapsedTime");
        return Math.round(ms[0] * 1e6);
    }

    /** Waits for everything queued on the stream (an asynchronous fault surfaces here). */
    void waitFor(CUstream stream) {
        check(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            cuEventDestroy(start);
            cuEventDestroy(end);
        }
    }
}
