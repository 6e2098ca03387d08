package dev.llmaccel.format.gguf;

import static dev.llmaccel.format.gguf.GgufFileTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.format.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Malformed files made from a valid one ({@link RawGguf#sample()}): each must be refused with a
 * {@link ModelFormatException} that names the file and the problem, never with another exception,
 * an OutOfMemoryError or a crash.
 */
class GgufCorruptFileTest {
    private static final long HUGE = 1L << 62;

    @TempDir
    Path dir;

    // ---- truncation ------------------------------------------------------------------------------

    @Test
    void truncatedAtEveryStructuralBoundary() throws IOException {
        RawGguf sample = RawGguf.sample();
        byte[] bytes = sample.bytes();
        assertEquals(bytes.length, sample.dataStart("c") + 32, "the sample's last tensor ends the file");
        int checked = 0;
        for (int boundary : sample.boundaries()) {
            for (int cut : new int[] {boundary - 1, boundary, boundary + 1}) {
                if (cut >= 0 && cut < bytes.length) {
                    assertRejected(Arrays.copyOf(bytes, cut));
                    checked++;
                }
            }
        }
        assertTrue(checked > 100, "cuts checked: " + checked);
    }

    @Test
    void truncatedAtEveryLength() throws IOException {
        byte[] bytes = RawGguf.sample().bytes();
        for (int length = 0; length < bytes.length; length++) {
            assertRejected(Arrays.copyOf(bytes, length));
        }
        // bytes after the last tensor are ignored, as by the reference reader
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 100);
        try (GgufFile f = GgufFile.open(Files.write(dir.resolve("longer.gguf"), longer))) {
            assertEquals(3, f.tensors().size());
        }
    }

    @Test
    void truncatedInsideTensorData() throws IOException {
        RawGguf sample = RawGguf.sample();
        byte[] bytes = sample.bytes();
        assertRejected(Arrays.copyOf(bytes, sample.dataStart("c") + 31), "tensor 'c'", "needs 32 bytes");
        assertRejected(Arrays.copyOf(bytes, sample.dataStart("b") + 10), "tensor 'b'", "needs 68 bytes");
    }

    @Test
    void emptyAndTinyFiles() throws IOException {
        assertRejected(new byte[0], "not a GGUF file");
        assertRejected(new byte[] {'G', 'G'}, "not a GGUF file");
        assertRejected(new byte[] {'G', 'G', 'U', 'F'}, "the version", "ends");
    }

    // ---- magic and version -----------------------------------------------------------------------

    @Test
    void badMagic() throws IOException {
        for (String magic : new String[] {"GGUG", "ggml", "\0\0\0\0", "FUGG"}) {
            byte[] bytes = RawGguf.sample().bytes();
            System.arraycopy(magic.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, bytes, 0, 4);
            assertRejected(bytes, "not a GGUF file");
        }
    }

    @Test
    void badVersions() throws IOException {
        assertRejected(withVersion(1), "version 1 is no longer supported");
        assertRejected(withVersion(0), "unsupported GGUF version 0");
        assertRejected(withVersion(4), "unsupported GGUF version 4");
        assertRejected(withVersion(-1), "unsupported GGUF version 4294967295");
        assertRejected(withVersion(0x03000000), "big-endian");
    }

    private static byte[] withVersion(int version) {
        RawGguf g = RawGguf.sample();
        g.version = version;
        return g.bytes();
    }

    // ---- forged counts and lengths ---------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(longs = {HUGE, Long.MAX_VALUE, -1L, 1L << 32, 1000})
    void forgedCounts(long count) throws IOException {
        RawGguf tensors = RawGguf.sample();
        tensors.tensorCount = count;
        assertRejected(tensors.bytes());
        RawGguf kvs = RawGguf.sample();
        kvs.kvCount = count;
        assertRejected(kvs.bytes());
    }

    @Test
    void countsBeyondTheFileAreRefusedBeforeReading() throws IOException {
        RawGguf g = RawGguf.sample();
        g.tensorCount = HUGE;
        assertRejected(g.bytes(), "the tensor count " + HUGE + " cannot fit");
        g = RawGguf.sample();
        g.kvCount = -1L;
        assertRejected(g.bytes(), "the metadata count 18446744073709551615 cannot fit");
    }

    @ParameterizedTest
    @ValueSource(longs = {HUGE, -1L, 1L << 31, 1L << 30, 100_000})
    void forgedStringLengths(long length) throws IOException {
        RawGguf sample = RawGguf.sample();
        byte[] bytes = sample.bytes();
        // the first key, a string value, a string inside an array, a tensor name
        assertRejected(patched(bytes, sample.at("kv0"), length), "does not fit");
        assertRejected(patched(bytes, sample.at("kv0.type") + 4, length), "does not fit");
        assertRejected(patched(bytes, sample.at("kv12.type") + 4 + 4 + 8, length), "does not fit");
        assertRejected(patched(bytes, sample.at("tensor1"), length), "does not fit");
    }

    @ParameterizedTest
    @ValueSource(longs = {HUGE, -1L, (1L << 30) + 1, 1L << 31, 100_000})
    void forgedArrayLengths(long length) throws IOException {
        RawGguf sample = RawGguf.sample();
        byte[] bytes = sample.bytes();
        int countField = 4 + 4;  // after the value type and the element type
        for (String kv : new String[] {"kv12", "kv13", "kv14"}) {  // strings, floats, nested arrays
            byte[] forged = patched(bytes, sample.at(kv + ".type") + countField, length);
            ModelFormatException e = assertRejected(forged);
            assertMessage(e, "an array of");
        }
    }

    @Test
    void unknownValueTypes() throws IOException {
        RawGguf sample = RawGguf.sample();
        byte[] bytes = sample.bytes();
        assertRejected(patched32(bytes, sample.at("kv1.type"), 13), "unknown value type 13");
        assertRejected(patched32(bytes, sample.at("kv1.type"), -1), "unknown value type -1");
        assertRejected(patched32(bytes, sample.at("kv13.type") + 4, 99), "unknown array element type 99");
    }

    @Test
    void arraysNestedTooDeep() throws IOException {
        int levels = GgufValues.MAX_NESTING + 1;
        RawGguf g = new RawGguf();
        g.kv("deep", e -> {
            e.i32(GgufValueType.ARRAY.id());
            for (int level = 1; level < levels; level++) {
                e.i32(GgufValueType.ARRAY.id()).i64(1);
            }
            e.i32(GgufValueType.INT8.id()).i64(0);
        });
        assertRejected(g.bytes(), "nested deeper than " + GgufValues.MAX_NESTING);
        // one level less is fine
        RawGguf ok = new RawGguf();
        ok.kv("deep", e -> {
            e.i32(GgufValueType.ARRAY.id());
            for (int level = 1; level < levels - 1; level++) {
                e.i32(GgufValueType.ARRAY.id()).i64(1);
            }
            e.i32(GgufValueType.INT8.id()).i64(0);
        });
        try (GgufFile f = GgufFile.open(ok.write(dir.resolve("deep.gguf")))) {
            assertEquals(GgufValueType.ARRAY, f.arrayTypeOf("deep"));
        }
    }

    // ---- keys and names --------------------------------------------------------------------------

    @Test
    void duplicateKeys() throws IOException {
        RawGguf g = RawGguf.sample();
        g.kvString("test.u8", "again");
        assertRejected(g.bytes(), "duplicate metadata key 'test.u8'");
    }

    @Test
    void emptyKey() throws IOException {
        RawGguf g = RawGguf.sample();
        g.kvString("", "nameless");
        assertRejected(g.bytes(), "empty key");
    }

    @Test
    void duplicateTensorNames() throws IOException {
        RawGguf g = RawGguf.sample();
        g.tensors.get(2).name = "a";
        assertRejected(g.bytes(), "duplicate tensor name 'a'");
    }

    @Test
    void tensorNameTooLong() throws IOException {
        RawGguf g = RawGguf.sample();
        g.tensors.get(1).name = "n".repeat(64);
        assertRejected(g.bytes(), "longer than ggml's 63 bytes");
        g.tensors.get(1).name = "n".repeat(63);
        try (GgufFile f = GgufFile.open(g.write(dir.resolve("name63.gguf")))) {
            assertEquals("n".repeat(63), f.tensors().get(1).name());
        }
    }

    // ---- alignment -------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(longs = {0, 3, 48, 1L << 25, 0xFFFF_FFFFL})
    void badAlignmentValues(long alignment) throws IOException {
        RawGguf g = RawGguf.sample();
        g.kvU32("general.alignment", alignment);
        assertRejected(g.bytes(), "'general.alignment' is " + alignment + ", must be a power of two");
    }

    @Test
    void alignmentOfTheWrongType() throws IOException {
        RawGguf g = RawGguf.sample();
        g.kv("general.alignment", e -> e.i32(GgufValueType.UINT64.id()).i64(32));
        assertRejected(g.bytes(), "'general.alignment' is UINT64, must be UINT32");
        RawGguf h = RawGguf.sample();
        h.kvString("general.alignment", "32");
        assertRejected(h.bytes(), "must be UINT32");
    }

    // ---- dimensions and types --------------------------------------------------------------------

    @Test
    void tooManyDimensions() throws IOException {
        RawGguf sample = RawGguf.sample();
        byte[] bytes = sample.bytes();
        assertRejected(patched32(bytes, sample.at("tensor0.ndims"), 5), "has 5 dimensions, at most 4");
        assertRejected(patched32(bytes, sample.at("tensor0.ndims"), -1), "has 4294967295 dimensions");
        RawGguf g = RawGguf.sample();
        g.tensors.get(0).dims = new long[] {5, 3, 1, 1, 1};
        assertRejected(g.bytes(), "has 5 dimensions");
    }

    @Test
    void negativeDimension() throws IOException {
        RawGguf sample = RawGguf.sample();
        byte[] bytes = sample.bytes();
        assertRejected(patched(bytes, sample.at("tensor0.dim1"), -1), "negative dimension -1");
        assertRejected(patched(bytes, sample.at("tensor0.dim0"), Long.MIN_VALUE), "negative dimension");
    }

    @Test
    void dimensionsWhoseProductOverflows() throws IOException {
        assertRejected(withDims(0, 1L << 32, 1L << 32), "element count overflows");
        assertRejected(withDims(0, Long.MAX_VALUE, 2), "element count overflows");
        assertRejected(withDims(0, 3, 5, 1L << 61), "element count overflows");
        // elements fit, bytes do not: 2^62 F32 values
        assertRejected(withDims(0, 1L << 61, 2), "byte size that overflows");
    }

    @Test
    void hugeDimensionsBeyondTheFile() throws IOException {
        assertRejected(withDims(0, 1L << 40, 3), "tensor 'a'", "needs " + (3L << 42) + " bytes");
        assertRejected(withDims(2, 1L << 50), "tensor 'c'", "needs " + (1L << 51) + " bytes");
    }

    private static byte[] withDims(int tensor, long... dims) {
        RawGguf g = RawGguf.sample();
        g.tensors.get(tensor).dims = dims;
        return g.bytes();
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 5, 31, 33, 36, 38, 43, 1000, -1, Integer.MIN_VALUE})
    void unknownTensorTypes(int typeId) throws IOException {
        RawGguf sample = RawGguf.sample();
        assertRejected(patched32(sample.bytes(), sample.at("tensor1.type"), typeId), "unknown ggml type id " + typeId);
    }

    @Test
    void rowsNotAMultipleOfTheBlockSize() throws IOException {
        RawGguf g = RawGguf.sample();
        g.tensors.get(1).dims = new long[] {33, 2};  // Q8_0 stores blocks of 32
        assertRejected(g.bytes(), "rows of 33 values, not a multiple of the block size 32");
        RawGguf h = RawGguf.sample();
        h.tensors.get(1).dims = new long[0];  // a scalar row of 1
        assertRejected(h.bytes(), "rows of 1 values");
    }

    // ---- offsets ---------------------------------------------------------------------------------

    @Test
    void misalignedOffset() throws IOException {
        assertRejected(withOffset(1, 64 + 4), "tensor 'b'", "is not aligned to 32 bytes");
        assertRejected(withOffset(0, 1), "tensor 'a'", "is not aligned");
    }

    @Test
    void overlappingOffsets() throws IOException {
        assertRejected(withOffset(1, 0), "tensor 'b'", "overlaps tensor 'a'");
        assertRejected(withOffset(2, 96), "tensor 'c'", "overlaps tensor 'b'");
    }

    @Test
    void gapsBetweenTensors() throws IOException {
        assertRejected(withOffset(0, 32), "tensor 'a'", "leaves a gap");
        assertRejected(withOffset(2, 192), "tensor 'c'", "leaves a gap");
    }

    @Test
    void offsetsOutsideTheFile() throws IOException {
        assertRejected(withOffset(2, 1L << 40), "tensor 'c'", "beyond the end of the file");
        assertRejected(withOffset(2, -32), "tensor 'c'", "beyond the end of the file");
        assertRejected(withOffset(0, Long.MIN_VALUE), "tensor 'a'", "beyond the end of the file");
    }

    private static byte[] withOffset(int tensor, long offset) {
        RawGguf g = RawGguf.sample();
        g.tensors.get(tensor).offset = offset;
        RawGguf layout = RawGguf.sample();
        byte[] valid = layout.bytes();
        // keep the valid file's size and data; only the offset field differs
        byte[] forged = g.header();
        byte[] out = valid.clone();
        System.arraycopy(forged, 0, out, 0, forged.length);
        return out;
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** Opens bytes as a file, expects a ModelFormatException naming the file and containing each part. */
    private ModelFormatException assertRejected(byte[] bytes, String... parts) throws IOException {
        Path path = Files.write(dir.resolve("corrupt.gguf"), bytes);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> {
            try (GgufFile f = GgufFile.open(path)) {
                // opened: not expected
            }
        }, () -> "accepted a corrupt file of " + bytes.length + " bytes");
        assertMessage(e, path.toString());
        for (String part : parts) {
            assertMessage(e, part);
        }
        return e;
    }

    private static byte[] patched(byte[] bytes, int at, long value) {
        byte[] out = bytes.clone();
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(at, value);
        return out;
    }

    private static byte[] patched32(byte[] bytes, int at, int value) {
        byte[] out = bytes.clone();
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
        return out;
    }
}
