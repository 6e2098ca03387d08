package dev.llmaccel.format.gguf;

import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Predicate;

/** Copies of a GGUF file with metadata values replaced and tensors left out, for tests of bad models. */
public final class GgufEdit {
    private GgufEdit() {}

    /** A metadata value written instead of the original one (or added). */
    public record Value(GgufValueType type, Object value) {}

    /** A copy of in with the replaced metadata and only the tensors keep accepts. */
    public static Path copy(Path in, Path out, Map<String, Value> replaced, Predicate<String> keep) throws IOException {
        try (GgufFile src = GgufFile.open(in); GgufWriter w = GgufWriter.create(out)) {
            for (String key : src.keys()) {
                if (key.equals(GgufLayout.ALIGNMENT_KEY) || replaced.containsKey(key)) {
                    continue;
                }
                GgufValueType type = src.typeOf(key);
                w.putValue(key, type, type == GgufValueType.ARRAY ? src.getArray(key) : src.get(key));
            }
            replaced.forEach((key, v) -> w.putValue(key, v.type(), v.value()));
            for (GgufTensorInfo t : src.tensors()) {
                if (keep.test(t.name())) {
                    Tensor tensor = src.tensor(t.name());  // a view of src, open until the writer is closed
                    w.addTensor(t.name(), tensor);
                }
            }
        }
        return out;
    }

    /** A copy of in with one metadata value replaced. */
    public static Path copy(Path in, Path out, String key, GgufValueType type, Object value) throws IOException {
        return copy(in, out, Map.of(key, new Value(type, value)), t -> true);
    }

    /** Overwrites every value of an F32 tensor of file with value, in place. */
    public static void fill(Path file, String tensor, float value) throws IOException {
        long offset;
        long count;
        try (GgufFile gguf = GgufFile.open(file)) {
            GgufTensorInfo t = gguf.tensorInfo(tensor);
            if (t.dtype() != dev.llmaccel.tensor.DType.F32) {
                throw new IllegalArgumentException(tensor + " is " + t.dtype() + ", not F32");
            }
            offset = t.offset();  // absolute
            count = t.elements();
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) (4 * count)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < count; i++) {
            b.putFloat(value);
        }
        b.flip();
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(b, offset);
        }
    }
}
