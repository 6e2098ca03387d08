package dev.llmaccel.format.gguf;

import dev.llmaccel.format.gguf.GgufHeader.GgufValue;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes a GGUF version 3 file: metadata of every type, then tensors whose bytes are streamed from
 * {@link TensorSource}s (or copied from {@link Tensor}s) when the file is closed, so files of many
 * gigabytes are never held in memory.
 *
 * <pre>{@code
 * try (GgufWriter w = GgufWriter.create(path)) {
 *     w.put("general.architecture", "llama").putUint32("llama.block_count", 4);
 *     w.addTensor("token_embd.weight", embeddings);                 // (n_vocab, n_embd)
 *     w.addTensor("output.weight", DType.Q8_0, new long[] {n_vocab, n_embd}, out -> ...);
 * }
 * }</pre>
 *
 * Everything is checked when added (keys unique and non-empty, values of their type's Java form
 * and range, tensor names unique and at most 63 UTF-8 bytes, 0 to 4 dimensions, rows a multiple of
 * the block size) with an {@link IllegalArgumentException}. {@link #close()} writes the file; if
 * that fails, the partial file is deleted. Not thread-safe.
 */
public final class GgufWriter implements AutoCloseable {
    /** Bytes copied from a {@link Tensor} at a time. */
    private static final long COPY_CHUNK_BYTES = 1 << 20;

    /** A tensor to write: its type, dimensions in GGUF order, size and where its bytes come from. */
    private record PendingTensor(String name, GgmlType type, long[] dims, long bytes, TensorSource source) {}

    private final Path path;
    private final FileChannel channel;
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();
    private int alignment = GgufLayout.DEFAULT_ALIGNMENT;
    private boolean closed;

    private GgufWriter(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /** Creates (or truncates) the file; nothing is written to it before {@link #close()}. */
    public static GgufWriter create(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        return new GgufWriter(path, channel);
    }

    /**
     * Aligns tensor data to this many bytes (a power of two up to 16 MiB; 32 by default) and
     * records it as {@code general.alignment}.
     */
    public GgufWriter alignment(int bytes) {
        checkOpen();
        if (!GgufLayout.isValidAlignment(bytes)) {
            throw new IllegalArgumentException("alignment " + bytes + " is not a power of two in [1, "
                    + GgufLayout.MAX_ALIGNMENT + "]");
        }
        alignment = bytes;
        metadata.put(GgufLayout.ALIGNMENT_KEY, new GgufValue(GgufValueType.UINT32, (long) bytes));
        return this;
    }

    // ---- metadata --------------------------------------------------------------------------------

    /** Adds a STRING value. */
    public GgufWriter put(String key, String value) {
        return putValue(key, GgufValueType.STRING, value);
    }

    /** Adds a UINT8 value (0 to 255). */
    public GgufWriter putUint8(String key, int value) {
        checkRange(key, value, 0, 0xFF);
        return putValue(key, GgufValueType.UINT8, (short) value);
    }

    /** Adds an INT8 value. */
    public GgufWriter putInt8(String key, byte value) {
        return putValue(key, GgufValueType.INT8, value);
    }

    /** Adds a UINT16 value (0 to 65535). */
    public GgufWriter putUint16(String key, int value) {
        return putValue(key, GgufValueType.UINT16, value);
    }

    /** Adds an INT16 value. */
    public GgufWriter putInt16(String key, short value) {
        return putValue(key, GgufValueType.INT16, value);
    }

    /** Adds a UINT32 value (0 to 2^32 - 1). */
    public GgufWriter putUint32(String key, long value) {
        return putValue(key, GgufValueType.UINT32, value);
    }

    /** Adds an INT32 value. */
    public GgufWriter putInt32(String key, int value) {
        return putValue(key, GgufValueType.INT32, value);
    }

    /** Adds a UINT64 value given as its 64 bits (so values of 2^63 and more are negative longs). */
    public GgufWriter putUint64(String key, long value) {
        return putValue(key, GgufValueType.UINT64, value);
    }

    /** Adds an INT64 value. */
    public GgufWriter putInt64(String key, long value) {
        return putValue(key, GgufValueType.INT64, value);
    }

    /** Adds a FLOAT32 value. */
    public GgufWriter putFloat32(String key, float value) {
        return putValue(key, GgufValueType.FLOAT32, value);
    }

    /** Adds a FLOAT64 value. */
    public GgufWriter putFloat64(String key, double value) {
        return putValue(key, GgufValueType.FLOAT64, value);
    }

    /** Adds a BOOL value. */
    public GgufWriter putBool(String key, boolean value) {
        return putValue(key, GgufValueType.BOOL, value);
    }

    /** Adds an array of STRING. */
    public GgufWriter putStringArray(String key, List<String> values) {
        return putArray(key, GgufValueType.STRING, values);
    }

    /** Adds an array of FLOAT32. */
    public GgufWriter putFloat32Array(String key, float[] values) {
        return putArray(key, GgufValueType.FLOAT32, values);
    }

    /** Adds an array of INT32. */
    public GgufWriter putInt32Array(String key, int[] values) {
        return putArray(key, GgufValueType.INT32, values);
    }

    /** Adds an array; values in elementType's Java array form (see {@link GgufValueType}). */
    public GgufWriter putArray(String key, GgufValueType elementType, Object values) {
        return putValue(key, GgufValueType.ARRAY, new GgufArray(elementType, values));
    }

    /**
     * Adds a value of any type in its Java form (see {@link GgufValueType}; a {@link GgufArray}
     * for ARRAY), such as {@link GgufFile#typeOf} and {@link GgufFile#get} / {@link GgufFile#getArray} return.
     */
    public GgufWriter putValue(String key, GgufValueType type, Object value) {
        checkOpen();
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("empty metadata key");
        }
        if (key.equals(GgufLayout.ALIGNMENT_KEY)) {
            throw new IllegalArgumentException("set " + GgufLayout.ALIGNMENT_KEY + " with alignment(int)");
        }
        if (metadata.containsKey(key)) {
            throw new IllegalArgumentException("duplicate metadata key '" + key + "'");
        }
        GgufValues.checkScalar(type, value);
        metadata.put(key, new GgufValue(type, value));
        return this;
    }

    // ---- tensors ---------------------------------------------------------------------------------

    /**
     * Declares a tensor of row-major shape; its bytes come from source when the file is written.
     *
     * @throws IllegalArgumentException for a duplicate or too long name, more than 4 dimensions, a
     *         negative dimension, a last dimension that is not a multiple of the block size, or a
     *         size that overflows
     */
    public GgufWriter addTensor(String name, DType dtype, long[] shape, TensorSource source) {
        return addTensor(name, GgmlType.of(Objects.requireNonNull(dtype, "dtype")), shape, source);
    }

    /** Declares a tensor of any ggml type, including those llmaccel does not compute. */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, TensorSource source) {
        checkOpen();
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        long[] dims = GgufLayout.reversed(shape);
        if (name.getBytes(StandardCharsets.UTF_8).length > GgufLayout.MAX_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name '" + name + "' is longer than " + GgufLayout.MAX_NAME_BYTES + " bytes");
        }
        if (tensorNames.contains(name)) {
            throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        }
        if (dims.length > GgufLayout.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + dims.length + " dimensions, at most "
                    + GgufLayout.MAX_DIMS + " are allowed");
        }
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has negative dimension " + d);
            }
        }
        long rowLength = dims.length == 0 ? 1 : dims[0];
        if (rowLength % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "' of " + type + ": the last dimension " + rowLength
                    + " is not a multiple of the block size " + type.blockSize());
        }
        long bytes;
        try {
            bytes = GgufLayout.bytes(type, dims);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("tensor '" + name + "' of shape " + Arrays.toString(shape) + " is too large");
        }
        tensorNames.add(name);
        tensors.add(new PendingTensor(name, type, dims, bytes, source));
        return this;
    }

    /** Declares a tensor with the dtype, shape and bytes of t, which must stay open until {@link #close()}. */
    public GgufWriter addTensor(String name, Tensor tensor) {
        tensor.checkOpen();
        return addTensor(name, tensor.dtype(), tensor.shape(), out -> copy(tensor, out));
    }

    // ---- writing ---------------------------------------------------------------------------------

    /**
     * Writes the header, metadata, tensor infos and every tensor's data (each padded to the
     * alignment), then closes the file. If anything fails the partial file is deleted. Idempotent.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (FileChannel c = channel) {
            writeFile(new ChannelSink(c));
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private void writeFile(ChannelSink out) throws IOException {
        out.i32(GgufLayout.MAGIC);
        out.i32(GgufLayout.VERSION);
        out.i64(tensors.size());
        out.i64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            out.string(e.getKey());
            out.i32(e.getValue().type().id());
            GgufValues.write(out, e.getValue().type(), e.getValue().value());
        }
        long offset = 0;
        for (PendingTensor t : tensors) {
            out.string(t.name());
            out.i32(t.dims().length);
            for (long d : t.dims()) {
                out.i64(d);
            }
            out.i32(t.type().id());
            out.i64(offset);
            offset += t.bytes() + GgufLayout.padding(t.bytes(), alignment);
        }
        if (!tensors.isEmpty()) {
            out.pad(alignment);
        }
        for (PendingTensor t : tensors) {
            TensorStream stream = new TensorStream(out, t);
            t.source().write(stream);
            if (stream.written != t.bytes()) {
                throw new IOException("the source of tensor '" + t.name() + "' wrote " + stream.written
                        + " bytes, the tensor has " + t.bytes());
            }
            out.pad(alignment);
        }
        out.flush();
    }

    /** Copies a tensor's bytes block row by block row, a chunk at a time. */
    private static void copy(Tensor tensor, OutputStream out) throws IOException {
        DType dtype = tensor.dtype();
        long blocks = tensor.elements() / dtype.blockSize();
        long blocksPerChunk = Math.max(1, COPY_CHUNK_BYTES / dtype.blockBytes());
        try (Tensor asBlocks = tensor.view(blocks, dtype.blockSize())) {  // (n_blocks, block_size)
            for (long first = 0; first < blocks; first += blocksPerChunk) {
                try (Tensor chunk = asBlocks.rows(first, Math.min(blocksPerChunk, blocks - first))) {
                    out.write(chunk.toBytes());
                }
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the writer of " + path + " is closed");
        }
    }

    private static void checkRange(String key, long value, long lo, long hi) {
        if (value < lo || value > hi) {
            throw new IllegalArgumentException("key '" + key + "': " + value + " is outside [" + lo + ", " + hi + "]");
        }
    }

    /** The stream a {@link TensorSource} writes to: counts, and refuses bytes past the tensor's size. */
    private static final class TensorStream extends OutputStream {
        private final ChannelSink sink;
        private final PendingTensor tensor;
        private long written;

        TensorStream(ChannelSink sink, PendingTensor tensor) {
            this.sink = sink;
            this.tensor = tensor;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len > tensor.bytes() - written) {
                throw new IOException("the source of tensor '" + tensor.name() + "' writes more than its "
                        + tensor.bytes() + " bytes");
            }
            sink.bytes(b, off, len);
            written += len;
        }
    }
}
