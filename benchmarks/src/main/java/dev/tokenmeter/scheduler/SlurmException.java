package dev.tokenmeter.scheduler;

/** Slurm could not do what was asked, said in one line: no Slurm here, a refused job, a command that hung. */
public final class SlurmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean refused;

    /**
     * @param message what went wrong
     * @param refused whether Slurm refused the request itself (a partition that does not exist, a request the cluster
     *                can never satisfy): the user's to change, not a failure of the run
     */
    public SlurmException(String message, boolean refused) {
        super(message);
        this.refused = refused;
    }

    /** Whether Slurm refused the request (the user's to change). */
    public boolean refused() {
        return refused;
    }
}
