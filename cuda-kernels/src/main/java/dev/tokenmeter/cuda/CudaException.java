package dev.tokenmeter.cuda;

import dev.tokenmeter.TokenmeterException;
import jcuda.driver.CUresult;

/** A driver-API call that returned an error, with the call and the CUDA result code. */
public class CudaException extends TokenmeterException {
    private static final long serialVersionUID = 1L;
    private final int result;

    public CudaException(String call, int result) {
        super(call + " failed: " + CUresult.stringFor(result) + " (" + result + ")");
        this.result = result;
    }

    /** The CUresult code (e.g. 209, CUDA_ERROR_NO_BINARY_FOR_GPU). */
    public int result() {
        return result;
    }

    /** Throws when a driver call did not succeed. */
    static void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(call, result);
        }
    }
}
