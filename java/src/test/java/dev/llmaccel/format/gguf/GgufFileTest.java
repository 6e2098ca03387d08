package dev.llmaccel.format.gguf;

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
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading files made by the tests' own encoder ({@link RawGguf}): every value type, tensors, getters. */
class GgufFileTest {
    @TempDir
    Path dir;

    private GgufFile openSample() throws IOException {
        return GgufFile.open(RawGguf.sample().write(dir.resolve("sample.gguf")));
    }

    @Test
    void readsHeaderAndEveryMetadataType() throws IOException {
        try (GgufFile f = openSample()) {
            assertEquals(3, f.version());
            assertEquals(32, f.alignment());
            assertEquals(List.of("general.architecture", "test.u8", "test.i8", "test.u16", "test.i16", "test.u32",
                    "test.i32", "test.f32", "test.bool", "test.u64", "test.i64", "test.f64", "test.strings",
                    "test.floats", "test.nested", "general.name"), List.copyOf(f.keys()));
            assertEquals("llama", f.get("general.architecture"));
            assertEquals((short) 200, f.get("test.u8"));
            assertEquals((byte) -100, f.get("test.i8"));
            assertEquals(60000, f.get("test.u16"));
            assertEquals((short) -30000, f.get("test.i16"));
            assertEquals(4_000_000_000L, f.get("test.u32"));
            assertEquals(-2_000_000_000, f.get("test.i32"));
            assertEquals(1.5f, f.get("test.f32"));
            assertEquals(true, f.get("test.bool"));
            assertEquals(-1L, f.get("test.u64"));
            assertEquals(Long.MIN_VALUE, f.get("test.i64"));
            assertEquals(Math.PI, f.get("test.f64"));
            assertEquals(List.of("a", "", "\u00fcn\u00ef"), f.get("test.strings"));
            assertArrayEquals(new float[] {1f, -2f, 3.5f}, (float[]) f.get("test.floats"));
            assertEquals(List.of(new GgufArray(GgufValueType.INT32, new int[] {1, 2}),
                    new GgufArray(GgufValueType.STRING, List.of("x"))), f.get("test.nested"));

            assertEquals(GgufValueType.UINT8, f.typeOf("test.u8"));
            assertEquals(GgufValueType.ARRAY, f.typeOf("test.strings"));
            assertEquals(GgufValueType.STRING, f.arrayTypeOf("test.strings"));
            assertEquals(GgufValueType.ARRAY, f.arrayTypeOf("test.nested"));
            assertNull(f.arrayTypeOf("test.u8"));
            assertNull(f.typeOf("absent"));
            assertNull(f.get("absent"));
            assertTrue(f.has("general.name"));
            assertFalse(f.has("absent"));
        }
    }

    @Test
    void typedGettersConvertAndCheck() throws IOException {
        try (GgufFile f = openSample()) {
            assertEquals("llama", f.getString("general.architecture"));
            assertEquals(200, f.getLong("test.u8"));
            assertEquals(-100, f.getLong("test.i8"));
            assertEquals(4_000_000_000L, f.getLong("test.u32"));
            assertEquals(Long.MIN_VALUE, f.getLong("test.i64"));
            assertEquals(1.5, f.getDouble("test.f32"));
            assertEquals(4e9, f.getDouble("test.u32"));
            assertEquals(18446744073709551615.0, f.getDouble("test.u64"));
            assertTrue(f.getBoolean("test.bool"));
            assertEquals(List.of("a", "", "\u00fcn\u00ef"), f.getStringArray("test.strings"));
            assertArrayEquals(new float[] {1f, -2f, 3.5f}, f.getFloatArray("test.floats"));
            assertArrayEquals(new int[] {1, 2}, (int[]) ((List<?>) f.get("test.nested")).stream()
                    .map(a -> ((GgufArray) a).values()).findFirst().orElseThrow());

            assertEquals("x", f.getString("absent", "x"));
            assertEquals(7, f.getLong("absent", 7));
            assertEquals(2.5, f.getDouble("absent", 2.5));
            assertTrue(f.getBoolean("absent", true));
            assertEquals("llama", f.getString("general.architecture", "x"));

            // a UINT64 of 2^64 - 1 does not fit a long
            assertMessage(assertThrows(ModelFormatException.class, () -> f.getLong("test.u64")), "test.u64");
            assertMessage(assertThrows(ModelFormatException.class, () -> f.getString("absent")), "missing key 'absent'");
            assertMessage(assertThrows(ModelFormatException.class, () -> f.getLong("general.name")), "expected an integer");
            assertMessage(assertThrows(ModelFormatException.class, () -> f.getDouble("test.bool")), "expected a number");
            assertMessage(assertThrows(ModelFormatException.class, () -> f.getBoolean("test.u8")), "expected BOOL");
            assertMessage(assertThrows(ModelFormatException.class, () -> f.getString("test.strings")), "ARRAY of STRING");
            assertMessage(assertThrows(ModelFormatException.class, () -> f.getStringArray("test.floats")), "expected an array of strings");
            assertMessage(assertThrows(ModelFormatException.class, () -> f.getFloatArray("test.strings")), "expected an array of numbers");
            assertMessage(assertThrows(ModelFormatException.class, () -> f.getIntArray("test.floats")), "expected an array of integers");
            assertMessage(assertThrows(ModelFormatException.class, () -> f.getFloatArray("test.u8")), "expected ARRAY");
            // the defaults apply only to absent keys
            assertThrows(ModelFormatException.class, () -> f.getString("test.u8", "x"));
            assertThrows(ModelFormatException.class, () -> f.getLong("general.name", 1));
        }
    }

    @Test
    void intArraysAreCheckedToFitAnInt() throws IOException {
        RawGguf g = new RawGguf();
        g.kv("u32s", e -> e.i32(GgufValueType.ARRAY.id()).i32(GgufValueType.UINT32.id()).i64(2).i32(7).i32(-1));
        g.kv("u8s", e -> e.i32(GgufValueType.ARRAY.id()).i32(GgufValueType.UINT8.id()).i64(2).u8(255).u8(3));
        g.kv("i64s", e -> e.i32(GgufValueType.ARRAY.id()).i32(GgufValueType.INT64.id()).i64(2).i64(-5).i64(1L << 40));
        try (GgufFile f = GgufFile.open(g.write(dir.resolve("ints.gguf")))) {
            assertArrayEquals(new int[] {255, 3}, f.getIntArray("u8s"));
            assertArrayEquals(new long[] {7, 4294967295L}, (long[]) f.get("u32s"));
            assertArrayEquals(new float[] {7f, 4294967295f}, f.getFloatArray("u32s"));
            assertMessage(assertThrows(ModelFormatException.class, () -> f.getIntArray("u32s")), "4294967295");
            assertMessage(assertThrows(ModelFormatException.class, () -> f.getIntArray("i64s")), "1099511627776");
        }
    }

    @Test
    void returnedArraysAreCopies() throws IOException {
        try (GgufFile f = openSample()) {
            ((float[]) f.get("test.floats"))[0] = 99f;
            f.getFloatArray("test.floats")[1] = 99f;
            assertArrayEquals(new float[] {1f, -2f, 3.5f}, f.getFloatArray("test.floats"));
            assertThrows(UnsupportedOperationException.class, () -> f.getStringArray("test.strings").add("z"));
            assertThrows(UnsupportedOperationException.class, () -> f.keys().remove("test.u8"));
        }
    }

    @Test
    void tensorsMapWithRowMajorShapes() throws IOException {
        RawGguf sample = RawGguf.sample();
        Path path = sample.write(dir.resolve("sample.gguf"));
        try (GgufFile f = GgufFile.open(path)) {
            List<GgufTensorInfo> infos = f.tensors();
            assertEquals(List.of("a", "b", "c"), infos.stream().map(GgufTensorInfo::name).toList());
            GgufTensorInfo a = f.tensorInfo("a");
            assertArrayEquals(new long[] {5, 3}, a.dims());
            assertArrayEquals(new long[] {3, 5}, a.shape());
            assertEquals(15, a.elements());
            assertEquals(60, a.bytes());
            assertEquals(DType.F32, a.dtype());
            assertEquals(GgmlType.F32, a.type());
            assertEquals(sample.dataStart("a"), a.offset());
            assertEquals(f.dataOffset(), a.offset());
            assertEquals(sample.dataStart("b"), f.tensorInfo("b").offset());
            assertEquals(Files.size(path), f.tensorInfo("c").offset() + f.tensorInfo("c").bytes());

            try (Tensor t = f.tensor("a")) {
                assertEquals(DType.F32, t.dtype());
                assertArrayEquals(new long[] {3, 5}, t.shape());
                assertFalse(t.isWritable());
                float[] v = t.toFloatArray();
                for (int i = 0; i < 15; i++) {
                    assertEquals(i, v[i]);
                }
            }
            try (Tensor t = f.tensor("b")) {
                assertEquals(DType.Q8_0, t.dtype());
                assertArrayEquals(new long[] {2, 32}, t.shape());
                float[] v = t.toFloatArray();
                assertEquals(-16f, v[0]);
                assertEquals(15f, v[31]);
                assertEquals(-15f, v[32]);
            }
            try (Tensor t = f.tensor("c")) {
                assertEquals(DType.F16, t.dtype());
                assertArrayEquals(new long[] {16}, t.shape());
                assertArrayEquals(new float[] {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, t.toFloatArray());
            }
            assertTrue(f.hasTensor("c"));
            assertFalse(f.hasTensor("d"));
            assertMessage(assertThrows(ModelFormatException.class, () -> f.tensorInfo("d")), "no tensor 'd'");
            assertMessage(assertThrows(ModelFormatException.class, () -> f.tensor("d")), "no tensor 'd'");
        }
    }

    @Test
    void closingTheFileInvalidatesItsTensors() throws IOException {
        GgufFile f = openSample();
        Tensor t = f.tensor("a");
        f.close();
        f.close();  // idempotent
        assertThrows(IllegalStateException.class, t::toFloatArray);
        assertThrows(IllegalStateException.class, () -> f.tensor("a"));
        // the header stays readable
        assertEquals("llama", f.getString("general.architecture"));
    }

    @Test
    void unsupportedTypesAreListedButNotMapped() throws IOException {
        RawGguf g = new RawGguf();
        g.tensor("q2k", GgmlType.Q2_K, new long[] {256, 2}, new byte[2 * 84]);
        g.tensor("iq4", GgmlType.IQ4_XS, new long[] {512}, new byte[2 * 136]);
        g.tensor("i32", GgmlType.I32, new long[] {3}, new byte[12]);
        try (GgufFile f = GgufFile.open(g.write(dir.resolve("unsupported.gguf")))) {
            assertEquals(3, f.tensors().size());
            GgufTensorInfo q = f.tensorInfo("q2k");
            assertEquals(GgmlType.Q2_K, q.type());
            assertNull(q.dtype());
            assertEquals(168, q.bytes());
            for (String name : List.of("q2k", "iq4", "i32")) {
                ModelFormatException e = assertThrows(ModelFormatException.class, () -> f.tensor(name));
                assertMessage(e, "does not compute");
                assertMessage(e, f.tensorInfo(name).type().toString());
            }
        }
    }

    @Test
    void scalarsAndEmptyTensors() throws IOException {
        RawGguf g = new RawGguf();
        g.tensor("scalar", GgmlType.F32, new long[0], ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(7f).array());
        g.tensor("empty", GgmlType.F32, new long[] {0, 4}, new byte[0]);
        g.tensor("four", GgmlType.F32, new long[] {1, 2, 1, 2}, new byte[16]);
        try (GgufFile f = GgufFile.open(g.write(dir.resolve("shapes.gguf")))) {
            try (Tensor s = f.tensor("scalar")) {
                assertEquals(0, s.rank());
                assertArrayEquals(new float[] {7f}, s.toFloatArray());
            }
            try (Tensor e = f.tensor("empty")) {
                assertArrayEquals(new long[] {4, 0}, e.shape());
                assertEquals(0, e.elements());
            }
            try (Tensor t = f.tensor("four")) {
                assertArrayEquals(new long[] {2, 1, 2, 1}, t.shape());
            }
        }
    }

    @Test
    void versionTwoReadsLikeVersionThree() throws IOException {
        RawGguf g = RawGguf.sample();
        g.version = 2;
        try (GgufFile f = GgufFile.open(g.write(dir.resolve("v2.gguf")))) {
            assertEquals(2, f.version());
            assertEquals("sample", f.getString("general.name"));
            assertEquals(3, f.tensors().size());
        }
    }

    @Test
    void honoursTheAlignmentKey() throws IOException {
        RawGguf g = RawGguf.sample();
        g.alignment = 256;
        g.kvU32("general.alignment", 256);
        try (GgufFile f = GgufFile.open(g.write(dir.resolve("aligned.gguf")))) {
            assertEquals(256, f.alignment());
            assertEquals(0, f.dataOffset() % 256);
            for (GgufTensorInfo t : f.tensors()) {
                assertEquals(0, (t.offset() - f.dataOffset()) % 256, t.name());
            }
            try (Tensor t = f.tensor("a")) {
                assertEquals(14f, t.toFloatArray()[14]);
            }
        }
    }

    @Test
    void aFileWithoutTensorsNeedsNoPadding() throws IOException {
        RawGguf g = new RawGguf();
        g.kvString("tokenizer.ggml.model", "gpt2");
        byte[] bytes = g.bytes();
        try (GgufFile f = GgufFile.open(Files.write(dir.resolve("vocab.gguf"), bytes))) {
            assertEquals(bytes.length, f.dataOffset());
            assertTrue(f.tensors().isEmpty());
            assertEquals("gpt2", f.getString("tokenizer.ggml.model"));
        }
    }

    /** A sparse file of more than 2 GiB: offsets past 2^31 map and read correctly. */
    @Test
    void mapsTensorsBeyondTwoGigabytes() throws IOException {
        long bigRows = 1L << 28;  // (2, 2^28) F32: exactly 2 GiB
        RawGguf g = new RawGguf();
        g.tensor("big", GgmlType.F32, new long[] {bigRows, 2}, new byte[0]);
        g.tensor("tail", GgmlType.F32, new long[] {4}, new byte[0]);
        g.tensors.get(1).offset = 2 * bigRows * 4;
        byte[] header = g.header();
        long tailStart = header.length + 2 * bigRows * 4;
        Path path = dir.resolve("big.gguf");
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.write(header);
            ByteBuffer tail = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            tail.putFloat(1f).putFloat(-2f).putFloat(3f).putFloat(-4f);
            file.seek(tailStart);
            file.write(tail.array());
        }
        try (GgufFile f = GgufFile.open(path)) {
            assertEquals(tailStart, f.tensorInfo("tail").offset());
            try (Tensor t = f.tensor("tail")) {
                assertArrayEquals(new float[] {1f, -2f, 3f, -4f}, t.toFloatArray());
            }
            try (Tensor big = f.tensor("big")) {
                assertArrayEquals(new long[] {2, bigRows}, big.shape());
                try (Tensor lastRow = big.rows(1, 1)) {
                    assertEquals(bigRows * 4, lastRow.bytes());
                }
            }
        }
    }

    @Test
    void pathsThatAreNoFile() {
        assertThrows(java.nio.file.NoSuchFileException.class, () -> GgufFile.open(dir.resolve("absent.gguf")));
        assertThrows(IOException.class, () -> GgufFile.open(dir));
        assertThrows(NullPointerException.class, () -> GgufFile.open(null));
    }

    static void assertMessage(Exception e, String part) {
        assertTrue(e.getMessage().contains(part), () -> "message '" + e.getMessage() + "' lacks '" + part + "'");
    }
}
