package dev.llmaccel.format.gguf;

import static dev.llmaccel.format.gguf.GgufFileTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Write-then-read round trips of every metadata type and every dtype, and the writer's checks. */
class GgufWriterTest {
    @TempDir
    Path dir;

    /** One value of every scalar type, at its edges, and arrays of every element type. */
    private static Map<String, Object[]> everyValue() {
        Map<String, Object[]> v = new java.util.LinkedHashMap<>();
        v.put("u8.max", new Object[] {GgufValueType.UINT8, (short) 255});
        v.put("u8.min", new Object[] {GgufValueType.UINT8, (short) 0});
        v.put("i8.min", new Object[] {GgufValueType.INT8, Byte.MIN_VALUE});
        v.put("u16.max", new Object[] {GgufValueType.UINT16, 65535});
        v.put("i16.min", new Object[] {GgufValueType.INT16, Short.MIN_VALUE});
        v.put("u32.max", new Object[] {GgufValueType.UINT32, 0xFFFF_FFFFL});
        v.put("i32.min", new Object[] {GgufValueType.INT32, Integer.MIN_VALUE});
        v.put("f32.nan", new Object[] {GgufValueType.FLOAT32, Float.NaN});
        v.put("f32.tiny", new Object[] {GgufValueType.FLOAT32, Float.MIN_VALUE});
        v.put("bool.false", new Object[] {GgufValueType.BOOL, false});
        v.put("string", new Object[] {GgufValueType.STRING, "h\u00e9llo \u4e16\u754c \ud83d\ude00"});
        v.put("string.empty", new Object[] {GgufValueType.STRING, ""});
        v.put("u64.max", new Object[] {GgufValueType.UINT64, -1L});
        v.put("i64.max", new Object[] {GgufValueType.INT64, Long.MAX_VALUE});
        v.put("f64.neg", new Object[] {GgufValueType.FLOAT64, -1e300});
        v.put("a.u8", array(GgufValueType.UINT8, new short[] {0, 1, 255}));
        v.put("a.i8", array(GgufValueType.INT8, new byte[] {-128, 0, 127}));
        v.put("a.u16", array(GgufValueType.UINT16, new int[] {0, 65535}));
        v.put("a.i16", array(GgufValueType.INT16, new short[] {-32768, 32767}));
        v.put("a.u32", array(GgufValueType.UINT32, new long[] {0, 0xFFFF_FFFFL}));
        v.put("a.i32", array(GgufValueType.INT32, new int[] {Integer.MIN_VALUE, -1, Integer.MAX_VALUE}));
        v.put("a.f32", array(GgufValueType.FLOAT32, new float[] {0.5f, Float.NEGATIVE_INFINITY, -0f}));
        v.put("a.bool", array(GgufValueType.BOOL, new boolean[] {true, false, true}));
        v.put("a.string", array(GgufValueType.STRING, List.of("", "a", "\u00fc\u00df")));
        v.put("a.u64", array(GgufValueType.UINT64, new long[] {-1L, 0}));
        v.put("a.i64", array(GgufValueType.INT64, new long[] {Long.MIN_VALUE}));
        v.put("a.f64", array(GgufValueType.FLOAT64, new double[] {Math.E, Double.MAX_VALUE}));
        v.put("a.empty", array(GgufValueType.FLOAT32, new float[0]));
        v.put("a.nested", array(GgufValueType.ARRAY, List.of(
                new GgufArray(GgufValueType.UINT8, new short[] {7}),
                new GgufArray(GgufValueType.ARRAY, List.of(new GgufArray(GgufValueType.STRING, List.of("deep")))),
                new GgufArray(GgufValueType.ARRAY, List.of()))));
        return v;
    }

    private static Object[] array(GgufValueType elementType, Object values) {
        return new Object[] {GgufValueType.ARRAY, new GgufArray(elementType, values)};
    }

    @Test
    void everyMetadataTypeRoundTrips() throws IOException {
        Map<String, Object[]> values = everyValue();
        Path path = dir.resolve("meta.gguf");
        try (GgufWriter w = GgufWriter.create(path)) {
            for (Map.Entry<String, Object[]> e : values.entrySet()) {
                w.putValue(e.getKey(), (GgufValueType) e.getValue()[0], e.getValue()[1]);
            }
        }
        try (GgufFile f = GgufFile.open(path)) {
            assertEquals(3, f.version());
            assertEquals(List.copyOf(values.keySet()), List.copyOf(f.keys()));
            for (Map.Entry<String, Object[]> e : values.entrySet()) {
                String key = e.getKey();
                GgufValueType type = (GgufValueType) e.getValue()[0];
                assertEquals(type, f.typeOf(key), key);
                if (type == GgufValueType.ARRAY) {
                    GgufArray want = (GgufArray) e.getValue()[1];
                    assertEquals(want, f.getArray(key), key);
                    assertEquals(want.elementType(), f.arrayTypeOf(key), key);
                    assertTrue(java.util.Objects.deepEquals(want.values(), f.get(key)), key);
                } else {
                    assertEquals(e.getValue()[1], f.get(key), key);
                }
            }
        }
    }

    @Test
    void typedPutsRoundTrip() throws IOException {
        Path path = dir.resolve("typed.gguf");
        try (GgufWriter w = GgufWriter.create(path)) {
            w.put("s", "x").putUint8("u8", 255).putInt8("i8", (byte) -1).putUint16("u16", 65535)
                    .putInt16("i16", (short) -2).putUint32("u32", 0xFFFF_FFFFL).putInt32("i32", -3)
                    .putUint64("u64", Long.MIN_VALUE).putInt64("i64", -4).putFloat32("f32", 0.25f)
                    .putFloat64("f64", 0.125).putBool("b", true)
                    .putStringArray("sa", List.of("p", "q")).putFloat32Array("fa", new float[] {1, 2})
                    .putInt32Array("ia", new int[] {-1, 1});
        }
        try (GgufFile f = GgufFile.open(path)) {
            assertEquals("x", f.getString("s"));
            assertEquals(255, f.getLong("u8"));
            assertEquals(-1, f.getLong("i8"));
            assertEquals(65535, f.getLong("u16"));
            assertEquals(-2, f.getLong("i16"));
            assertEquals(0xFFFF_FFFFL, f.getLong("u32"));
            assertEquals(-3, f.getLong("i32"));
            assertEquals(Long.MIN_VALUE, f.get("u64"));
            assertEquals(9.223372036854775808e18, f.getDouble("u64"));
            assertEquals(-4, f.getLong("i64"));
            assertEquals(0.25, f.getDouble("f32"));
            assertEquals(0.125, f.getDouble("f64"));
            assertTrue(f.getBoolean("b"));
            assertEquals(List.of("p", "q"), f.getStringArray("sa"));
            assertArrayEquals(new float[] {1, 2}, f.getFloatArray("fa"));
            assertArrayEquals(new int[] {-1, 1}, f.getIntArray("ia"));
            assertEquals(GgufValueType.UINT8, f.typeOf("u8"));
            assertEquals(GgufValueType.UINT64, f.typeOf("u64"));
        }
    }

    @Test
    void tensorsOfEveryDTypeRoundTrip() throws IOException {
        Random random = new Random(7);
        Path path = dir.resolve("tensors.gguf");
        List<Tensor> written = new ArrayList<>();
        try (GgufWriter w = GgufWriter.create(path)) {
            for (DType dtype : DType.values()) {
                int row = 2 * dtype.blockSize();
                for (long[] shape : List.of(new long[] {3, row}, new long[] {row}, new long[] {2, 1, 3, row})) {
                    // random bytes: every byte pattern is a valid block of every type
                    long elements = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
                    byte[] raw = new byte[(int) dtype.bytesFor(elements)];
                    random.nextBytes(raw);
                    Tensor t = Tensor.ofBytes(dtype, raw, shape);
                    written.add(t);
                    w.addTensor(dtype + "." + shape.length, t);
                }
            }
        }
        try (GgufFile f = GgufFile.open(path)) {
            assertEquals(written.size(), f.tensors().size());
            int i = 0;
            for (DType dtype : DType.values()) {
                for (int rank : new int[] {2, 1, 4}) {
                    Tensor want = written.get(i++);
                    try (Tensor got = f.tensor(dtype + "." + rank)) {
                        assertEquals(dtype, got.dtype());
                        assertArrayEquals(want.shape(), got.shape(), dtype + "." + rank);
                        assertArrayEquals(want.toBytes(), got.toBytes(), dtype + "." + rank);
                    }
                    assertEquals(0, (f.tensorInfo(dtype + "." + rank).offset() - f.dataOffset()) % 32);
                }
            }
        } finally {
            written.forEach(Tensor::close);
        }
    }

    /** A tensor larger than the copy chunk and a streamed source written in odd pieces, at alignment 64. */
    @Test
    void largeAndStreamedTensorsWithAlignment() throws IOException {
        Random random = new Random(11);
        Path path = dir.resolve("streamed.gguf");
        byte[] streamed = new byte[3 * 1024 * 1024 + 64];  // (3 * 2^20 + 64) bytes of I8-like F32 data
        random.nextBytes(streamed);
        try (Tensor big = Tensor.of(randomFloats(random, 700 * 1000), 700, 1000)) {  // (700, 1000): 2.8 MB
            try (GgufWriter w = GgufWriter.create(path)) {
                w.alignment(64).put("general.architecture", "test");
                w.addTensor("big", big);
                w.addTensor("odd", DType.F32, new long[] {streamed.length / 4 - 3}, out -> {
                    // (n - 3,) F32 written in pieces of varied sizes
                    int at = 0;
                    int piece = 1;
                    int n = streamed.length - 12;
                    while (at < n) {
                        int len = Math.min(piece, n - at);
                        out.write(streamed, at, len);
                        at += len;
                        piece = piece * 3 + 1;
                    }
                });
                w.addTensor("tiny", DType.F16, new long[] {1}, out -> out.write(new byte[] {0, 0x3C}));
            }
            try (GgufFile f = GgufFile.open(path)) {
                assertEquals(64, f.alignment());
                assertEquals(64L, f.get("general.alignment"));
                assertEquals(0, f.dataOffset() % 64);
                for (GgufTensorInfo t : f.tensors()) {
                    assertEquals(0, (t.offset() - f.dataOffset()) % 64, t.name());
                }
                assertEquals(0, Files.size(path) % 64);
                try (Tensor got = f.tensor("big")) {
                    assertArrayEquals(big.toFloatArray(), got.toFloatArray());
                }
                try (Tensor got = f.tensor("odd")) {
                    assertArrayEquals(Arrays.copyOf(streamed, streamed.length - 12), got.toBytes());
                }
                try (Tensor got = f.tensor("tiny")) {
                    assertArrayEquals(new float[] {1f}, got.toFloatArray());
                }
            }
        }
    }

    /** The writer and the tests' independent encoder produce the same bytes for the same content. */
    @Test
    void writerMatchesTheIndependentEncoder() throws IOException {
        RawGguf sample = RawGguf.sample();
        byte[] expected = sample.bytes();
        Path original = Files.write(dir.resolve("sample.gguf"), expected);
        Path copy = dir.resolve("copy.gguf");
        try (GgufFile f = GgufFile.open(original); GgufWriter w = GgufWriter.create(copy)) {
            for (String key : f.keys()) {
                GgufValueType type = f.typeOf(key);
                w.putValue(key, type, type == GgufValueType.ARRAY ? f.getArray(key) : f.get(key));
            }
            for (RawGguf.TensorSpec t : sample.tensors) {
                GgufTensorInfo info = f.tensorInfo(t.name);
                w.addTensor(t.name, info.type(), info.shape(), out -> out.write(t.data));
            }
        }
        assertArrayEquals(expected, Files.readAllBytes(copy));
    }

    @Test
    void unsupportedTypesCanBeWrittenAndListed() throws IOException {
        Path path = dir.resolve("q2k.gguf");
        try (GgufWriter w = GgufWriter.create(path)) {
            w.addTensor("q", GgmlType.Q2_K, new long[] {3, 512}, out -> out.write(new byte[3 * 2 * 84]));
        }
        try (GgufFile f = GgufFile.open(path)) {
            GgufTensorInfo q = f.tensorInfo("q");
            assertEquals(GgmlType.Q2_K, q.type());
            assertNull(q.dtype());
            assertArrayEquals(new long[] {512, 3}, q.dims());
            assertEquals(3 * 2 * 84, q.bytes());
            assertMessage(assertThrows(ModelFormatException.class, () -> f.tensor("q")), "Q2_K");
        }
    }

    @Test
    void rejectsBadMetadata() throws IOException {
        try (GgufWriter w = GgufWriter.create(dir.resolve("bad.gguf"))) {
            w.put("k", "v");
            assertMessage(assertThrows(IllegalArgumentException.class, () -> w.put("k", "again")), "duplicate metadata key 'k'");
            assertMessage(assertThrows(IllegalArgumentException.class, () -> w.putInt32("", 1)), "empty");
            assertMessage(assertThrows(IllegalArgumentException.class, () -> w.putUint32("general.alignment", 64)), "alignment(int)");
            assertThrows(IllegalArgumentException.class, () -> w.putUint8("u8", 256));
            assertThrows(IllegalArgumentException.class, () -> w.putUint8("u8", -1));
            assertThrows(IllegalArgumentException.class, () -> w.putUint16("u16", 65536));
            assertThrows(IllegalArgumentException.class, () -> w.putUint32("u32", 1L << 32));
            assertThrows(IllegalArgumentException.class, () -> w.putUint32("u32", -1));
            assertThrows(IllegalArgumentException.class, () -> w.putValue("x", GgufValueType.UINT8, 5));
            assertThrows(IllegalArgumentException.class, () -> w.putValue("x", GgufValueType.INT32, 5L));
            assertThrows(IllegalArgumentException.class, () -> w.putValue("x", GgufValueType.ARRAY, new int[] {1}));
            assertThrows(IllegalArgumentException.class, () -> w.putArray("x", GgufValueType.INT32, new long[] {1}));
            assertThrows(IllegalArgumentException.class, () -> w.putArray("x", GgufValueType.UINT8, new short[] {256}));
            assertThrows(IllegalArgumentException.class, () -> w.putArray("x", GgufValueType.STRING, List.of(1)));
            assertThrows(NullPointerException.class, () -> w.put("x", null));
            assertThrows(IllegalArgumentException.class, () -> w.putStringArray("x", Arrays.asList("a", null)));
            GgufArray deep = new GgufArray(GgufValueType.INT8, new byte[0]);
            for (int level = 1; level < GgufValues.MAX_NESTING; level++) {
                deep = new GgufArray(GgufValueType.ARRAY, List.of(deep));
            }
            GgufArray deepest = deep;
            assertThrows(IllegalArgumentException.class, () -> new GgufArray(GgufValueType.ARRAY, List.of(deepest)));
            w.putValue("deep", GgufValueType.ARRAY, deep);
            assertThrows(IllegalArgumentException.class, () -> w.alignment(0));
            assertThrows(IllegalArgumentException.class, () -> w.alignment(48));
            assertThrows(IllegalArgumentException.class, () -> w.alignment(1 << 25));
        }
        // what was accepted is written, and nested arrays as deep as allowed read back
        try (GgufFile f = GgufFile.open(dir.resolve("bad.gguf"))) {
            assertEquals(List.of("k", "deep"), List.copyOf(f.keys()));
        }
    }

    @Test
    void rejectsBadTensors() throws IOException {
        try (GgufWriter w = GgufWriter.create(dir.resolve("bad.gguf"))) {
            TensorSource none = out -> { };
            w.addTensor("t", DType.F32, new long[] {0}, none);
            assertMessage(assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", DType.F32, new long[] {0}, none)),
                    "duplicate tensor name 't'");
            assertThrows(IllegalArgumentException.class, () -> w.addTensor("x".repeat(64), DType.F32, new long[] {0}, none));
            w.addTensor("y".repeat(63), DType.F32, new long[] {0}, none);
            assertThrows(IllegalArgumentException.class, () -> w.addTensor("d5", DType.F32, new long[] {1, 1, 1, 1, 1}, none));
            assertThrows(IllegalArgumentException.class, () -> w.addTensor("neg", DType.F32, new long[] {2, -1}, none));
            assertThrows(IllegalArgumentException.class, () -> w.addTensor("q", DType.Q8_0, new long[] {2, 33}, none));
            assertThrows(IllegalArgumentException.class, () -> w.addTensor("q0", DType.Q8_0, new long[0], none));
            assertThrows(IllegalArgumentException.class,
                    () -> w.addTensor("huge", DType.F32, new long[] {1L << 40, 1L << 40}, none));
            assertThrows(IllegalArgumentException.class,
                    () -> w.addTensor("huge2", DType.F32, new long[] {1L << 31, 1L << 31}, none));
            assertThrows(NullPointerException.class, () -> w.addTensor("n", DType.F32, new long[] {1}, null));
        }
    }

    @Test
    void useAfterCloseThrows() throws IOException {
        GgufWriter w = GgufWriter.create(dir.resolve("closed.gguf"));
        w.close();
        w.close();  // idempotent
        assertThrows(IllegalStateException.class, () -> w.put("k", "v"));
        assertThrows(IllegalStateException.class, () -> w.alignment(64));
        assertThrows(IllegalStateException.class, () -> w.addTensor("t", DType.F32, new long[] {1}, out -> out.write(new byte[4])));
        try (GgufFile f = GgufFile.open(dir.resolve("closed.gguf"))) {
            assertTrue(f.keys().isEmpty());
            assertTrue(f.tensors().isEmpty());
        }
    }

    @Test
    void aFailedWriteLeavesNoFile() throws IOException {
        assertFailedWrite("short", out -> out.write(new byte[7]), "wrote 7 bytes");
        assertFailedWrite("long", out -> out.write(new byte[9]), "more than its 8 bytes");
        assertFailedWrite("throws", out -> {
            out.write(new byte[4]);
            throw new IOException("source failed");
        }, "source failed");

        Path path = dir.resolve("closed-tensor.gguf");
        Tensor t = Tensor.of(new float[] {1, 2}, 2);
        GgufWriter w = GgufWriter.create(path);
        w.addTensor("t", t);
        t.close();
        assertThrows(IllegalStateException.class, w::close);
        assertFalse(Files.exists(path));
    }

    private void assertFailedWrite(String name, TensorSource source, String message) throws IOException {
        Path path = dir.resolve(name + ".gguf");
        GgufWriter w = GgufWriter.create(path);
        w.put("general.name", name);
        w.addTensor("t", DType.F32, new long[] {2}, source);
        IOException e = assertThrows(IOException.class, w::close);
        assertMessage(e, message);
        assertFalse(Files.exists(path), name);
    }

    /** A source writing one byte at a time goes through the single-byte path. */
    @Test
    void singleByteWrites() throws IOException {
        Path path = dir.resolve("bytes.gguf");
        try (GgufWriter w = GgufWriter.create(path)) {
            w.addTensor("t", DType.F32, new long[] {2}, (OutputStream out) -> {
                for (byte b : new byte[] {0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0xC0}) {
                    out.write(b);
                }
            });
        }
        try (GgufFile f = GgufFile.open(path); Tensor t = f.tensor("t")) {
            assertArrayEquals(new float[] {1f, -2f}, t.toFloatArray());
        }
    }

    private static float[] randomFloats(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }
}
