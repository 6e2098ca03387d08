package dev.llmaccel.format.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    private static final float[] A = {1, -2, 3.5f, 4, 5, 6};  // (2, 3)
    private static final float[] B = {0.25f, -0.5f, 1024f};   // (3)

    private static SafetensorsWriter sample() {
        return new SafetensorsWriter()
                .add("a", DType.F32, A, 2, 3)
                .add("b", DType.F16, B, 3)
                .add("c", DType.BF16, B, 1, 3);
    }

    private Path write(byte[] bytes) throws IOException {
        Path p = dir.resolve("model.safetensors");
        Files.write(p, bytes);
        return p;
    }

    @Test
    void readsTensorsOfEachType() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(write(sample().toByteArray()))) {
            assertEquals(List.of("a", "b", "c"), f.tensors().stream().map(SafetensorsTensorInfo::name).toList());
            assertEquals(Map.of("format", "pt"), f.metadata());
            try (Tensor a = f.tensor("a"); Tensor b = f.tensor("b"); Tensor c = f.tensor("c")) {
                assertEquals(DType.F32, a.dtype());
                assertArrayEquals(new long[] {2, 3}, a.shape());
                assertArrayEquals(A, a.toFloatArray());
                assertFalse(a.isWritable());
                assertEquals(DType.F16, b.dtype());
                assertArrayEquals(B, b.toFloatArray());
                assertEquals(DType.BF16, c.dtype());
                assertArrayEquals(B, c.toFloatArray());
            }
            assertTrue(f.hasTensor("a"));
            assertThrows(ModelFormatException.class, () -> f.tensor("nope"));
        }
    }

    @Test
    void everyTruncationIsAFormatError() throws IOException {
        byte[] full = sample().toByteArray();
        for (int n = 0; n < full.length; n++) {
            Path p = write(Arrays.copyOf(full, n));
            int len = n;
            assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(p).close(),
                    () -> "a file cut to " + len + " bytes was accepted");
        }
    }

    @Test
    void rejectsBadHeaders() throws IOException {
        SafetensorsWriter w = sample();
        String good = w.header();
        assertRejected(w.withHeader("[1,2]"), "not a JSON object");
        assertRejected(w.withHeader("{\"a\":"), "not valid JSON");
        assertRejected(w.withHeader(good.replace("[0,24]", "[0,20]")), "has 20 bytes");
        assertRejected(w.withHeader(good.replace("[0,24]", "[0,2400]")), "outside");
        assertRejected(w.withHeader(good.replace("[0,24]", "[-8,24]")), "outside");
        assertRejected(w.withHeader(good.replace("[24,30]", "[20,26]")), "overlap");
        assertRejected(w.withHeader(good.replace("\"shape\":[2,3]", "\"shape\":[2,-3]")), "invalid dimension");
        assertRejected(w.withHeader(good.replace("\"shape\":[2,3]", "\"shape\":[4294967296,4294967296,4294967296]")),
                "overflows");
        assertRejected(w.withHeader(good.replace("\"data_offsets\":[0,24]", "\"data_offsets\":[0]")), "data_offsets");
        assertRejected(w.withHeader(good.replace("\"format\":\"pt\"", "\"format\":1")), "__metadata__");
        byte[] huge = sample().toByteArray();
        huge[7] = 0x7f;  // header length far beyond the file
        assertRejected(huge, "header length");
    }

    @Test
    void unsupportedTypeIsRefusedOnRead() throws IOException {
        SafetensorsWriter w = sample();
        byte[] bytes = w.withHeader(w.header().replace("\"dtype\":\"F32\"", "\"dtype\":\"I32\""));
        try (SafetensorsFile f = SafetensorsFile.open(write(bytes))) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> f.tensor("a"));
            assertTrue(e.getMessage().contains("I32"), e.getMessage());
        }
    }

    @Test
    void closingInvalidatesTensors() throws IOException {
        SafetensorsFile f = SafetensorsFile.open(write(sample().toByteArray()));
        Tensor a = f.tensor("a");
        f.close();
        f.close();
        assertThrows(IllegalStateException.class, a::toFloatArray);
    }

    private void assertRejected(byte[] bytes, String expectedText) throws IOException {
        Path p = write(bytes);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().contains(expectedText), e.getMessage());
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    }
}
