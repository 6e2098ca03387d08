package dev.llmaccel.examples;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.util.Random;

/** README "Backends and tensors": a Q8_0 matrix-vector product on the best backend. */
public final class TensorsExample {
    private TensorsExample() {}

    public static void main(String[] args) {
        float[] y = run();
        System.out.printf("y has %d values; y[0] = %.4f%n", y.length, y[0]);
    }

    /** x · wᵀ for a random (256, 512) w and (1, 512) x. */
    static float[] run() {
        // README: Backends and tensors
        int rows = 256;
        int cols = 512;                                      // a multiple of Q8_0's block of 32
        Random random = new Random(42);
        float[] weights = new float[rows * cols];            // (rows, cols), row-major
        float[] activations = new float[cols];               // (1, cols)
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < cols; i++) {
            activations[i] = (float) random.nextGaussian();
        }
        float[] y;
        try (Backend backend = Backends.best();                                   // CUDA when usable, else the CPU
             Tensor w = backend.upload(Tensor.of(DType.Q8_0, weights, rows, cols)); // quantized from a float[]
             Tensor x = backend.upload(Tensor.of(activations, 1, cols));           // F32 (1, cols)
             Tensor out = backend.allocate(DType.F32, 1, rows)) {                  // F32 (1, rows)
            backend.matmul(out, x, w);                                            // out = x · wᵀ
            y = out.toFloatArray();                                               // rows values
        }
        // README: end
        return y;
    }
}
