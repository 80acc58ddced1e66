package dev.tokenmeter.cpu;

/**
 * Whether the JVM has the incubating Vector API (started with {@code --add-modules jdk.incubator.vector}, as the
 * {@code tokenmeter} launcher does). Without it the CPU backend runs the scalar kernels, slower but the same maths.
 */
final class VectorSupport {
    private static final boolean AVAILABLE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private VectorSupport() {
    }

    static boolean available() {
        return AVAILABLE;
    }

    static String describe() {
        if (!AVAILABLE) {
            return "unavailable (start the JVM with --add-modules jdk.incubator.vector for the vector kernels)";
        }
        return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit";
    }
}
