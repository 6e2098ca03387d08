package dev.llmaccel.format.gguf;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutation fuzzing: thousands of randomly damaged copies of valid files. Opening each must
 * either succeed (and then every value and tensor must be readable or refused with a
 * ModelFormatException) or throw a ModelFormatException: nothing else, never an error.
 */
class GgufFuzzTest {
    private static final long SEED = 0x6775_6666L;
    private static final int ROUNDS_PER_FILE = 1500;
    private static final long[] EXTREMES = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 31, 1L << 32, 1L << 62,
            0xFFFF_FFFFL, 4, 5, 64, 1000};

    @TempDir
    Path dir;

    @Test
    void mutatedSampleFiles() throws IOException {
        fuzz("sample", RawGguf.sample().bytes(), new Random(SEED));
    }

    @Test
    void mutatedWriterFiles() throws IOException {
        Path source = dir.resolve("written.gguf");
        try (Tensor q = Tensor.of(DType.Q8_0, new float[64], 2, 32);
             GgufWriter w = GgufWriter.create(source)) {
            w.alignment(64).put("general.architecture", "llama").putStringArray("tokens", java.util.List.of("a", "b"))
                    .putArray("nested", GgufValueType.ARRAY, java.util.List.of(new GgufArray(GgufValueType.INT16, new short[] {1})))
                    .putUint64("u64", -1L).putInt32Array("ids", new int[] {1, 2, 3});
            w.addTensor("q", q);
            w.addTensor("k2", GgmlType.Q2_K, new long[] {1, 256}, out -> out.write(new byte[84]));
            w.addTensor("h", DType.F16, new long[] {3, 5}, out -> out.write(new byte[30]));
        }
        fuzz("writer", Files.readAllBytes(source), new Random(SEED + 1));
    }

    private void fuzz(String name, byte[] valid, Random random) throws IOException {
        Path path = dir.resolve(name + "-mutant.gguf");
        int opened = 0;
        int refused = 0;
        for (int round = 0; round < ROUNDS_PER_FILE; round++) {
            StringBuilder how = new StringBuilder();
            byte[] mutant = mutate(valid, random, how);
            Files.write(path, mutant);
            try (GgufFile f = GgufFile.open(path)) {
                exercise(f);
                opened++;
            } catch (ModelFormatException e) {
                assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
                refused++;
            } catch (Throwable t) {
                fail(name + " round " + round + " (" + how + "): " + t, t);
            }
        }
        // both outcomes must occur, or the mutations are not probing anything
        assertTrue(opened > 0 && refused > 0, "opened " + opened + ", refused " + refused);
    }

    /** One to four random damages: byte changes, an extreme 4- or 8-byte value, a cut, a cut-out slice. */
    private static byte[] mutate(byte[] valid, Random random, StringBuilder how) {
        byte[] b = valid.clone();
        int damages = 1 + random.nextInt(4);
        for (int d = 0; d < damages && b.length > 0; d++) {
            int at = random.nextInt(b.length);
            switch (random.nextInt(5)) {
                case 0 -> {
                    b[at] = (byte) random.nextInt(256);
                    how.append("byte ").append(at).append("; ");
                }
                case 1 -> {
                    b[at] ^= (byte) (1 << random.nextInt(8));
                    how.append("bit at ").append(at).append("; ");
                }
                case 2 -> {
                    long v = EXTREMES[random.nextInt(EXTREMES.length)];
                    int width = random.nextBoolean() ? 8 : 4;
                    if (at + width <= b.length) {
                        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                        if (width == 8) {
                            buf.putLong(at, v);
                        } else {
                            buf.putInt(at, (int) v);
                        }
                        how.append(width * 8).append("-bit ").append(v).append(" at ").append(at).append("; ");
                    }
                }
                case 3 -> {
                    b = Arrays.copyOf(b, at);
                    how.append("cut at ").append(at).append("; ");
                }
                default -> {
                    int length = Math.min(1 + random.nextInt(16), b.length - at);
                    byte[] shorter = new byte[b.length - length];
                    System.arraycopy(b, 0, shorter, 0, at);
                    System.arraycopy(b, at + length, shorter, at, b.length - at - length);
                    b = shorter;
                    how.append("slice ").append(at).append("+").append(length).append("; ");
                }
            }
        }
        return b;
    }

    /** Reads everything an opened file offers; only ModelFormatException may come out of it. */
    static void exercise(GgufFile f) throws ModelFormatException {
        for (String key : f.keys()) {
            GgufValueType type = f.typeOf(key);
            f.get(key);
            if (type == GgufValueType.ARRAY) {
                f.getArray(key);
                GgufValueType element = f.arrayTypeOf(key);
                try {
                    if (element == GgufValueType.STRING) {
                        f.getStringArray(key);
                    } else if (element.isInteger()) {
                        f.getIntArray(key);
                    } else if (element.isNumeric()) {
                        f.getFloatArray(key);
                    }
                } catch (ModelFormatException e) {
                    // an integer that does not fit an int
                }
            } else if (type == GgufValueType.STRING) {
                f.getString(key);
            } else if (type == GgufValueType.BOOL) {
                f.getBoolean(key);
            } else if (type.isNumeric()) {
                f.getDouble(key);
            }
        }
        for (GgufTensorInfo info : f.tensors()) {
            info.shape();
            info.elements();
            if (info.dtype() == null) {
                continue;
            }
            try (Tensor t = f.tensor(info.name())) {
                if (t.bytes() <= 1 << 20) {
                    t.toBytes();
                }
            }
        }
    }
}
