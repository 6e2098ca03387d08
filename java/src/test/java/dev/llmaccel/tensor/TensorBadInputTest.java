package dev.llmaccel.tensor;

import static dev.llmaccel.BadInput.rejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmaccel.memory.NativeMemory;
import dev.llmaccel.memory.Tensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every public method of Tensor and MappedFile given bad input: a clear exception, nothing broken. */
class TensorBadInputTest {

    @Test
    void factoriesRejectNullTypesShapesAndData() {
        rejects(NullPointerException.class, () -> Tensor.zeros(null, 2), "dtype");
        rejects(NullPointerException.class, () -> Tensor.zeros(DType.F32, (long[]) null), "shape");
        rejects(NullPointerException.class, () -> Tensor.of(null, 1), "data");
        rejects(NullPointerException.class, () -> Tensor.of(DType.F16, null, 1), "data");
        rejects(NullPointerException.class, () -> Tensor.ofBytes(DType.F32, null, 1), "raw");
        rejects(NullPointerException.class, () -> Tensor.mapped(null, 0, DType.F32, 1), "file");
        rejects(NullPointerException.class, () -> Tensors.wrap(null, DType.F32, 1), "memory");
    }

    @Test
    void factoriesRejectNegativeHugeAndOverflowingShapes() {
        rejects(IllegalArgumentException.class, () -> Tensor.zeros(DType.F32, 3, -1), "dimension -1");
        rejects(IllegalArgumentException.class, () -> Tensor.zeros(DType.F32, 1L << 31), "dimension");
        rejects(IllegalArgumentException.class, () -> Tensor.zeros(DType.F32, Integer.MAX_VALUE, Integer.MAX_VALUE,
                Integer.MAX_VALUE), "overflows");
        rejects(IllegalArgumentException.class, () -> Tensor.zeros(DType.Q8_0, 4, 33), "multiple");
        rejects(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3), "6 values", "got 5");
        rejects(IllegalArgumentException.class, () -> Tensor.of(DType.Q4_0, new float[31], 31), "multiple");
        rejects(IllegalArgumentException.class, () -> Tensor.ofBytes(DType.F16, new byte[5], 3), "6 bytes");
    }

    @Test
    void wrapRejectsStorageTooSmall() {
        try (Tensor t = Tensor.zeros(DType.F32, 4)) {
            rejects(IllegalArgumentException.class, () -> Tensor.wrap(t.storage(), DType.F32, 5), "too small");
        }
        rejects(IllegalArgumentException.class, () -> Tensors.wrap(new HostArrayMemory(16), DType.F32, 5), "too small");
    }

    /** Memory a test "backend" allocated (no address: nothing native may read it). */
    private record HostArrayMemory(long bytes) implements NativeMemory {
        @Override
        public Device device() {
            return Device.CUDA;
        }

        @Override
        public long address() {
            return 0;
        }

        @Override
        public void read(long offset, byte[] dst) {}

        @Override
        public void read(long offset, float[] dst) {}

        @Override
        public void write(long offset, byte[] src) {}

        @Override
        public void write(long offset, float[] src) {}

        @Override
        public void free() {}
    }

    @Test
    void viewsRejectOtherElementCountsAndBlocks() {
        try (Tensor t = Tensor.zeros(DType.F32, 6, 4);
             Tensor q = Tensor.zeros(DType.Q8_0, 2, 64)) {
            rejects(IllegalArgumentException.class, () -> t.view(5, 5), "element counts");
            rejects(IllegalArgumentException.class, () -> t.view(-6, -4), "dimension");
            rejects(NullPointerException.class, () -> t.view((long[]) null), "shape");
            rejects(IllegalArgumentException.class, () -> q.view(8, 16), "multiple");
        }
    }

    @Test
    void rowsRejectRangesOutsideTheTensorAndSplitBlocks() {
        try (Tensor t = Tensor.zeros(DType.F32, 6, 4);
             Tensor scalar = Tensor.zeros(DType.F32);
             Tensor qv = Tensor.of(DType.Q8_0, ramp(64), 64)) {
            rejects(IndexOutOfBoundsException.class, () -> t.rows(5, 2), "rows [5");
            rejects(IndexOutOfBoundsException.class, () -> t.rows(-1, 1), "rows [-1");
            rejects(IndexOutOfBoundsException.class, () -> t.rows(1, -1), "6 rows");
            rejects(IndexOutOfBoundsException.class, () -> t.rows(Long.MAX_VALUE, 2), "6 rows");
            rejects(IllegalArgumentException.class, () -> scalar.rows(0, 1), "scalar");
            rejects(IllegalArgumentException.class, () -> qv.rows(1, 32), "blocks of 32");
            // whole blocks of a quantized vector are fine, and start at the right block
            try (Tensor second = qv.rows(32, 32)) {
                float[] all = qv.toFloatArray();
                assertArrayEquals(java.util.Arrays.copyOfRange(all, 32, 64), second.toFloatArray());
            }
        }
    }

    @Test
    void dimRejectsIndicesOutsideTheRank() {
        try (Tensor t = Tensor.zeros(DType.F32, 2, 3)) {
            rejects(IndexOutOfBoundsException.class, () -> t.dim(2), "dimension 2");
            rejects(IndexOutOfBoundsException.class, () -> t.dim(-3), "dimension -3");
            assertEquals(3, t.dim(-1));
        }
    }

    @Test
    void copiesRejectWrongLengths() {
        try (Tensor t = Tensor.zeros(DType.F32, 2, 3)) {
            rejects(IllegalArgumentException.class, () -> t.copyFrom(new float[5]), "6 values");
            rejects(IllegalArgumentException.class, () -> t.copyFromBytes(new byte[23]), "24 bytes");
            rejects(NullPointerException.class, () -> t.copyFrom(null), "data");
            rejects(NullPointerException.class, () -> t.copyFromBytes(null), "raw");
            rejects(NullPointerException.class, () -> t.to(null), "dtype");
        }
    }

    @Test
    void closedTensorsAndViewsOfClosedMemoryThrow() {
        Tensor t = Tensor.of(ramp(8), 2, 4);
        Tensor view = t.view(8);
        Tensor rows = t.rows(1, 1);
        t.close();
        t.close();  // idempotent
        for (Tensor x : new Tensor[] {t, view, rows}) {
            rejects(IllegalStateException.class, x::toFloatArray, "closed");
            rejects(IllegalStateException.class, x::toBytes, "closed");
            rejects(IllegalStateException.class, () -> x.copyFrom(new float[(int) x.elements()]), "closed");
            rejects(IllegalStateException.class, x::address, "closed");
            rejects(IllegalStateException.class, x::storage, "closed");
            rejects(IllegalStateException.class, () -> x.view(x.shape()), "closed");
            rejects(IllegalStateException.class, () -> x.rows(0, 1), "closed");
            rejects(IllegalStateException.class, () -> x.to(DType.F16), "closed");
        }
        view.close();
        rows.close();
    }

    @Test
    void hugeButValidAllocationIsAnErrorNotACrash() {
        // 2^50 bytes: a valid shape, more than any address space here can hold.
        OutOfMemoryError e = rejects(OutOfMemoryError.class, () -> Tensor.zeros(DType.F32, 1L << 24, 1L << 24),
                "native allocation", String.valueOf(1L << 50));
        assertEquals(OutOfMemoryError.class, e.getClass());
    }

    @Test
    void mappedFilesAreReadOnlyAndCheckTheirBounds(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("weights.bin");
        ByteBuffer bytes = ByteBuffer.allocate(4 * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 8; i++) {
            bytes.putFloat(i);
        }
        Files.write(file, bytes.array());
        rejects(IOException.class, () -> MappedFile.open(dir.resolve("missing.bin")), "missing.bin");
        rejects(IOException.class, () -> MappedFile.open(dir), "not a regular file");
        try (MappedFile mf = MappedFile.open(file);
             Tensor t = Tensor.mapped(mf, 8, DType.F32, 2, 3)) {
            assertArrayEquals(new float[] {2, 3, 4, 5, 6, 7}, t.toFloatArray());
            rejects(IllegalStateException.class, () -> t.copyFrom(new float[6]), "read-only");
            rejects(IllegalStateException.class, () -> t.copyFromBytes(new byte[24]), "read-only");
            rejects(IllegalArgumentException.class, () -> Tensor.mapped(mf, 12, DType.F32, 6), "outside");
            rejects(IllegalArgumentException.class, () -> Tensor.mapped(mf, -4, DType.F32, 1), "outside");
            rejects(IllegalArgumentException.class, () -> mf.read(0, -1), "negative length");
            rejects(IndexOutOfBoundsException.class, () -> mf.read(30, 4), "outside storage");
            mf.close();
            rejects(IllegalStateException.class, t::toFloatArray, "closed");
            rejects(IllegalStateException.class, () -> Tensor.mapped(mf, 0, DType.F32, 1), "closed");
        }
    }

    private static float[] ramp(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i * 0.25f - 3;
        }
        return x;
    }
}
