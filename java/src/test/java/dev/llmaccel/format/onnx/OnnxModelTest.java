package dev.llmaccel.format.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxModelTest {
    @TempDir
    Path dir;

    private static final float[] W = {1, 2, 3, 4, 5, 6};  // (2, 3)

    private static OnnxWriter sample() {
        return new OnnxWriter()
                .floatInitializer("w", W, 2, 3)
                .floatDataInitializer("bias", new float[] {0.5f, -0.5f, 1.5f}, 3)
                .int64Initializer("shape", new long[] {1, -1, 300_000_000_000L}, 3)
                .constant("/c", "/c_output_0", new float[] {5.656854f})
                .node("/layer/MatMul", "MatMul", new String[] {"x", "w"}, new String[] {"/layer/MatMul_output_0"})
                .node("/layer/Add", "Add", new String[] {"bias", "/layer/MatMul_output_0"}, new String[] {"y"});
    }

    private Path write(byte[] bytes) throws IOException {
        Path p = dir.resolve("m.onnx");
        Files.write(p, bytes);
        return p;
    }

    @Test
    void readsInitializersNodesAndConstants() throws IOException {
        try (OnnxModel m = OnnxModel.open(write(sample().toByteArray()))) {
            assertEquals(8, m.irVersion());
            assertEquals(List.of("w", "bias", "shape"), m.initializers().stream().map(OnnxTensorInfo::name).toList());
            assertArrayEquals(new long[] {2, 3}, m.tensorInfo("w").dims());
            assertArrayEquals(W, m.floats("w"));
            assertArrayEquals(new float[] {0.5f, -0.5f, 1.5f}, m.floats("bias"));
            assertArrayEquals(new long[] {1, -1, 300_000_000_000L}, m.longs("shape"));
            assertArrayEquals(new float[] {5.656854f}, m.floats("/c_output_0"));
            assertEquals(0, m.tensorInfo("/c_output_0").dims().length);
            assertEquals(3, m.nodes().size());
            OnnxNode mm = m.node("/layer/MatMul");
            assertEquals("MatMul", mm.opType());
            assertEquals(List.of("x", "w"), mm.inputs());
            assertEquals(List.of(mm), m.consumers("w"));
            assertNull(m.node("/nope"));
            assertFalse(m.hasTensor("x"));
        }
    }

    @Test
    void tensorsAndTransposes() throws IOException {
        try (OnnxModel m = OnnxModel.open(write(sample().toByteArray()));
             Tensor w = m.tensor("w");
             Tensor t = m.tensorTransposed("w")) {
            assertArrayEquals(new long[] {2, 3}, w.shape());
            assertArrayEquals(W, w.toFloatArray());
            assertArrayEquals(new long[] {3, 2}, t.shape());
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, t.toFloatArray());
            assertThrows(ModelFormatException.class, () -> m.tensorTransposed("bias"));
            assertThrows(ModelFormatException.class, () -> m.floats("shape"));
            assertThrows(ModelFormatException.class, () -> m.longs("w"));
            assertThrows(ModelFormatException.class, () -> m.tensor("missing"));
        }
    }

    @Test
    void everyTruncationIsAFormatError() throws IOException {
        byte[] full = sample().toByteArray();
        for (int n = 0; n < full.length; n++) {
            byte[] cut = java.util.Arrays.copyOf(full, n);
            Path p = write(cut);
            int len = n;
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxModel.open(p).close(),
                    () -> "a file cut to " + len + " of " + full.length + " bytes was accepted");
            assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        }
    }

    @Test
    void garbledFilesFailCleanlyOrReadConsistently() throws IOException {
        byte[] full = sample().toByteArray();
        Random r = new Random(42);
        int accepted = 0;
        for (int trial = 0; trial < 2000; trial++) {
            byte[] g = full.clone();
            int flips = 1 + r.nextInt(4);
            for (int f = 0; f < flips; f++) {
                g[r.nextInt(g.length)] = (byte) r.nextInt(256);
            }
            Path p = write(g);
            try (OnnxModel m = OnnxModel.open(p)) {
                accepted++;
                // whatever parsed must be readable or refused with a format error, nothing else
                for (OnnxTensorInfo t : m.initializers()) {
                    readAny(m, t.name());
                }
            } catch (ModelFormatException expected) {
                // the usual outcome
            } catch (RuntimeException e) {
                fail("trial " + trial + ": garbled file raised " + e, e);
            }
        }
        assertTrue(accepted < 2000, "no garbled file was ever refused");
    }

    static void readAny(OnnxModel m, String name) {
        for (int kind = 0; kind < 3; kind++) {
            try {
                switch (kind) {
                    case 0 -> m.floats(name);
                    case 1 -> m.longs(name);
                    default -> m.tensor(name).close();
                }
            } catch (ModelFormatException | IllegalArgumentException expected) {
                // a wrong type, or a shape the tensor API rejects
            }
        }
    }

    @Test
    void rejectsWhatItDoesNotSupport() throws IOException {
        // a tensor whose raw_data does not match its dims
        OnnxWriter.Message t = new OnnxWriter.Message();
        t.varint(1, 4);
        t.varint(2, OnnxTensorInfo.FLOAT);
        t.string(8, "short");
        t.bytes(9, new byte[12]);
        assertRejected(graphWith(5, t), "raw bytes");
        // external data
        OnnxWriter.Message ext = new OnnxWriter.Message();
        ext.varint(1, 1);
        ext.varint(2, OnnxTensorInfo.FLOAT);
        ext.string(8, "ext");
        ext.varint(14, 1);
        try (OnnxModel m = OnnxModel.open(write(graphWith(5, ext)))) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> m.floats("ext"));
            assertTrue(e.getMessage().contains("external"), e.getMessage());
        }
        // a negative dimension
        OnnxWriter.Message neg = new OnnxWriter.Message();
        neg.varint(1, -3);
        neg.varint(2, OnnxTensorInfo.FLOAT);
        neg.string(8, "neg");
        assertRejected(graphWith(5, neg), "negative");
        // no graph at all
        OnnxWriter.Message model = new OnnxWriter.Message();
        model.varint(1, 8);
        assertRejected(model.toByteArray(), "no graph");
        // deprecated group wire type
        assertRejected(new byte[] {0x0b, 0x0c}, "wire type");
        // a 2 GB length claimed in a tiny file
        assertRejected(new byte[] {0x3a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07}, "bytes");
    }

    private static byte[] graphWith(int field, OnnxWriter.Message m) {
        OnnxWriter.Message graph = new OnnxWriter.Message();
        graph.message(field, m);
        OnnxWriter.Message model = new OnnxWriter.Message();
        model.varint(1, 8);
        model.message(7, graph);
        return model.toByteArray();
    }

    private void assertRejected(byte[] bytes, String expectedText) throws IOException {
        Path p = write(bytes);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxModel.open(p).close());
        assertTrue(e.getMessage().contains(expectedText), e.getMessage());
    }

    @Test
    void closedModelRefusesReads() throws IOException {
        OnnxModel m = OnnxModel.open(write(sample().toByteArray()));
        m.close();
        m.close();
        assertThrows(IllegalStateException.class, () -> m.floats("w"));
    }
}
