package dev.llmaccel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyWriterTest {
    @TempDir
    Path dir;

    /** Checks the .npy layout and returns the float data. */
    static float[] readNpy(Path p, long rows, int cols) throws IOException {
        byte[] b = Files.readAllBytes(p);
        assertEquals((byte) 0x93, b[0]);
        assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.US_ASCII));
        assertEquals(1, b[6]);
        assertEquals(0, b[7]);
        int headerLen = (b[8] & 0xff) | (b[9] & 0xff) << 8;
        assertEquals(0, (10 + headerLen) % 64, "data must start on a 64-byte boundary");
        String header = new String(b, 10, headerLen, StandardCharsets.US_ASCII);
        assertTrue(header.endsWith("\n"), header);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }"),
                header);
        assertEquals(10 + headerLen + 4L * rows * cols, b.length);
        ByteBuffer data = ByteBuffer.wrap(b, 10 + headerLen, b.length - 10 - headerLen).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[(int) (rows * cols)];
        data.asFloatBuffer().get(out);
        return out;
    }

    @Test
    void writesAValidFloat32Matrix() throws IOException {
        Path p = dir.resolve("x.npy");
        try (NpyWriter w = new NpyWriter(p, 3)) {
            w.write(new float[] {1, 2, 3});
            w.write(new float[] {-1.5f, 0, Float.MIN_VALUE});
            assertThrows(IllegalArgumentException.class, () -> w.write(new float[2]));
        }
        float[] data = readNpy(p, 2, 3);
        assertEquals(-1.5f, data[3]);
        assertEquals(Float.MIN_VALUE, data[5]);
    }

    @Test
    void emptyAndHugeShapesFitTheHeader() throws IOException {
        Path p = dir.resolve("empty.npy");
        new NpyWriter(p, 384).close();
        readNpy(p, 0, 384);
        assertEquals(NpyWriter.HEADER_BYTES, NpyWriter.header(Long.MAX_VALUE, Integer.MAX_VALUE).length);
    }
}
