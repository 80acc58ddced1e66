package dev.tokenmeter.cpu;

import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;

/** The CPU backend's matrix-product kernels, as test parameters; the vector one skips, saying why, without the module. */
enum Kernel {
    // A lambda, not VectorMatMul::new: the class must not load on a JVM without the Vector API module.
    VECTOR(() -> new VectorMatMul()),
    SCALAR(ScalarMatMul::new);

    final Supplier<MatMul> make;

    Kernel(Supplier<MatMul> make) {
        this.make = make;
    }

    MatMul create() {
        if (this == VECTOR) {
            Assumptions.assumeTrue(VectorSupport.available(),
                    "the JVM was started without --add-modules jdk.incubator.vector: no vector kernels to test");
        }
        return make.get();
    }
}
