package dev.llmaccel.tensor;

import dev.llmaccel.memory.Tensors;
import java.util.Arrays;
import java.util.Objects;

/**
 * An n-dimensional array in native memory (host or device), row-major with the last dimension
 * contiguous. A tensor owns its memory unless it is a view ({@link #view}, {@link #rows}) or a
 * window of a mapped file ({@link #mapped}); closing is idempotent, and any use after close
 * (of the tensor or of the memory it views) throws {@link IllegalStateException}.
 *
 * <p>Quantized types store each row (the last dimension) as blocks, so the last dimension must be
 * a multiple of the type's block size.
 *
 * <p>Tensors are not thread-safe: do not close a tensor while another thread uses it.
 */
public final class Tensor implements AutoCloseable {
    /** Dimensions are limited to int range: that is far beyond any model, and arrays stay simple. */
    private static final long MAX_DIM = Integer.MAX_VALUE;

    private final DType dtype;
    private final long[] shape;
    private final Storage storage;
    private final long offset;
    private final boolean ownsStorage;
    private boolean closed;

    static {
        Tensors.install((memory, dtype, shape) -> wrap(new BackendStorage(memory), dtype, shape));
    }

    private Tensor(DType dtype, long[] shape, Storage storage, long offset, boolean ownsStorage) {
        this.dtype = dtype;
        this.shape = shape;
        this.storage = storage;
        this.offset = offset;
        this.ownsStorage = ownsStorage;
    }

    // ---- creation --------------------------------------------------------------------------------

    /** A zero-filled host tensor. */
    public static Tensor zeros(DType dtype, long... shape) {
        long[] s = checkShape(dtype, shape);
        long bytes = byteSize(dtype, s);
        return new Tensor(dtype, s, HostStorage.allocate(bytes), 0, true);
    }

    /** A host F32 tensor holding a copy of data. */
    public static Tensor of(float[] data, long... shape) {
        return of(DType.F32, data, shape);
    }

    /**
     * A host tensor of the given type made from float values: exact for F32, rounded to nearest
     * even for F16/BF16, quantized block by block for the quantized types.
     */
    public static Tensor of(DType dtype, float[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        long[] s = checkShape(dtype, shape);
        if (elementCount(s) != data.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(s) + " holds " + elementCount(s) + " values, got " + data.length);
        }
        Tensor t = zeros(dtype, s);
        if (dtype == DType.F32) {
            t.storage.write(0, data);
        } else {
            t.storage.write(0, Codec.encode(dtype, data));
        }
        return t;
    }

    /** A host tensor holding raw bytes already in dtype's layout. */
    public static Tensor ofBytes(DType dtype, byte[] raw, long... shape) {
        Objects.requireNonNull(raw, "raw");
        long[] s = checkShape(dtype, shape);
        if (byteSize(dtype, s) != raw.length) {
            throw new IllegalArgumentException(
                    dtype + " " + Arrays.toString(s) + " takes " + byteSize(dtype, s) + " bytes, got " + raw.length);
        }
        Tensor t = zeros(dtype, s);
        t.storage.write(0, raw);
        return t;
    }

    /**
     * A read-only tensor over bytes [offset, offset + size) of a mapped file. The file must stay
     * open while the tensor is used; closing the tensor does not close the file.
     */
    public static Tensor mapped(MappedFile file, long offset, DType dtype, long... shape) {
        Objects.requireNonNull(file, "file");
        long[] s = checkShape(dtype, shape);
        long bytes = byteSize(dtype, s);
        Storage st = file.storage();
        st.checkOpen();
        if (offset < 0 || offset > st.bytes() - bytes) {
            throw new IllegalArgumentException(
                    "bytes [" + offset + ", +" + bytes + ") lie outside " + file.path() + " of " + st.bytes() + " bytes");
        }
        return new Tensor(dtype, s, st, offset, false);
    }

    /**
     * A tensor over memory a backend allocated; closing the tensor closes the storage. Not public:
     * backends reach it through {@code Tensors.wrap}, in a package this module does not export.
     */
    static Tensor wrap(Storage storage, DType dtype, long... shape) {
        Objects.requireNonNull(storage, "storage");
        long[] s = checkShape(dtype, shape);
        if (byteSize(dtype, s) > storage.bytes()) {
            throw new IllegalArgumentException("storage of " + storage.bytes() + " bytes is too small for "
                    + dtype + " " + Arrays.toString(s));
        }
        return new Tensor(dtype, s, storage, 0, true);
    }

    // ---- description -----------------------------------------------------------------------------

    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Size of dimension i; negative i counts from the end (-1 is the last). */
    public long dim(int i) {
        int k = i < 0 ? shape.length + i : i;
        if (k < 0 || k >= shape.length) {
            throw new IndexOutOfBoundsException("dimension " + i + " of " + this + ", which has " + shape.length);
        }
        return shape[k];
    }

    /** Number of elements. */
    public long elements() {
        return elementCount(shape);
    }

    /** Bytes of data. */
    public long bytes() {
        return byteSize(dtype, shape);
    }

    public Device device() {
        return storage.device();
    }

    /** False for tensors over read-only memory (a mapped model file). */
    public boolean isWritable() {
        return storage.isWritable();
    }

    public boolean isOpen() {
        return !closed && storage.isOpen();
    }

    /** Throws {@link IllegalStateException} if this tensor or the memory it views is closed. */
    public void checkOpen() {
        if (closed) {
            throw new IllegalStateException("tensor " + this + " is closed");
        }
        if (!storage.isOpen()) {
            throw new IllegalStateException("the memory under tensor " + this + " was closed");
        }
    }

    /** The memory this tensor views (for backends). */
    public Storage storage() {
        checkOpen();
        return storage;
    }

    /** Native address of the first element (for backends); valid while open. */
    public long address() {
        checkOpen();
        return storage.address() + offset;
    }

    // ---- views -----------------------------------------------------------------------------------

    /** The same data with another shape of the same element count (and the same row blocking). */
    public Tensor view(long... newShape) {
        checkOpen();
        long[] s = checkShape(dtype, newShape);
        if (elementCount(s) != elements()) {
            throw new IllegalArgumentException(
                    "cannot view " + Arrays.toString(shape) + " as " + Arrays.toString(s) + ": element counts differ");
        }
        return new Tensor(dtype, s, storage, offset, false);
    }

    /** Rows [first, first + count) along dimension 0, sharing this tensor's memory. */
    public Tensor rows(long first, long count) {
        checkOpen();
        if (shape.length == 0) {
            throw new IllegalArgumentException("a scalar has no rows");
        }
        if (first < 0 || count < 0 || first > shape[0] - count) {
            throw new IndexOutOfBoundsException(
                    "rows [" + first + ", " + first + "+" + count + ") of a tensor with " + shape[0] + " rows");
        }
        long[] s = shape.clone();
        s[0] = count;
        if (shape.length == 1) {  // the rows of a vector are its elements: whole blocks of a quantized type
            if (first % dtype.blockSize() != 0 || count % dtype.blockSize() != 0) {
                throw new IllegalArgumentException("rows [" + first + ", " + first + "+" + count + ") of " + this
                        + " do not fall on blocks of " + dtype.blockSize());
            }
            return new Tensor(dtype, s, storage, offset + dtype.bytesFor(first), false);
        }
        long rowBytes = shape[0] == 0 ? 0 : bytes() / shape[0];
        return new Tensor(dtype, s, storage, offset + first * rowBytes, false);
    }

    // ---- data ------------------------------------------------------------------------------------

    /** All values as floats (dequantized); the tensor must hold at most Integer.MAX_VALUE - 8 values. */
    public float[] toFloatArray() {
        checkOpen();
        int n = checkArraySize(elements());
        float[] out = new float[n];
        if (dtype == DType.F32) {
            storage.read(offset, out);
        } else {
            Codec.decode(dtype, toBytes(), 0, out, 0, n);
        }
        return out;
    }

    /** The raw bytes in dtype's layout. */
    public byte[] toBytes() {
        checkOpen();
        byte[] out = new byte[checkArraySize(bytes())];
        storage.read(offset, out);
        return out;
    }

    /** Replaces all values (converted or quantized to dtype). */
    public void copyFrom(float[] data) {
        Objects.requireNonNull(data, "data");
        checkOpen();
        if (data.length != elements()) {
            throw new IllegalArgumentException("tensor holds " + elements() + " values, got " + data.length);
        }
        if (dtype == DType.F32) {
            storage.write(offset, data);
        } else {
            storage.write(offset, Codec.encode(dtype, data));
        }
    }

    /** Replaces the raw bytes. */
    public void copyFromBytes(byte[] raw) {
        Objects.requireNonNull(raw, "raw");
        checkOpen();
        if (raw.length != bytes()) {
            throw new IllegalArgumentException("tensor holds " + bytes() + " bytes, got " + raw.length);
        }
        storage.write(offset, raw);
    }

    /** A new host tensor of the target type with this tensor's values (converted or quantized). */
    public Tensor to(DType target) {
        return of(target, toFloatArray(), shape);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ownsStorage) {
            storage.close();
        }
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape) + (storage.device() == Device.CPU ? "" : "@" + storage.device());
    }

    // ---- checks ----------------------------------------------------------------------------------

    private static long[] checkShape(DType dtype, long[] shape) {
        if (dtype == null) {
            throw new NullPointerException("dtype");
        }
        if (shape == null) {
            throw new NullPointerException("shape");
        }
        long[] s = shape.clone();
        for (long d : s) {
            if (d < 0 || d > MAX_DIM) {
                throw new IllegalArgumentException("dimension " + d + " outside [0, " + MAX_DIM + "] in "
                        + Arrays.toString(s));
            }
        }
        if (dtype.isQuantized()) {
            long last = s.length == 0 ? 1 : s[s.length - 1];
            if (last % dtype.blockSize() != 0) {
                throw new IllegalArgumentException(dtype + " rows are blocks of " + dtype.blockSize()
                        + " values; the last dimension " + last + " is not a multiple");
            }
        }
        byteSize(dtype, s);  // throws if the size overflows
        return s;
    }

    private static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static long byteSize(DType dtype, long[] shape) {
        try {
            return dtype.bytesFor(elementCount(shape));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of " + dtype + " overflows a long");
        }
    }

    private static int checkArraySize(long n) {
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(n + " values do not fit in a Java array");
        }
        return (int) n;
    }
}
