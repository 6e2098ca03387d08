package dev.llmaccel.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH counter of the bytes a benchmark streams: reported beside the primary score as a rate, so
 * {@code gigabytes} reads in GB/s (10⁹ bytes per second).
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class WeightBytes {
    public double gigabytes;

    @Setup(Level.Iteration)
    public void reset() {
        gigabytes = 0;
    }
}
