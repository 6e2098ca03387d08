package dev.llmaccel.format.gguf;

import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.format.gguf.GgufHeader.GgufValue;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.MappedFile;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An open GGUF file (versions 2 and 3): its metadata, its tensor infos and its tensors, which view
 * the memory-mapped file without copying (files of any size; nothing lands on the Java heap).
 *
 * <pre>{@code
 * try (GgufFile gguf = GgufFile.open(path)) {
 *     long dim = gguf.getLong("llama.embedding_length");
 *     Tensor embeddings = gguf.tensor("token_embd.weight");   // (n_vocab, n_embd)
 * }
 * }</pre>
 *
 * {@link #open} validates the whole header first (see {@link ModelFormatException} for what a
 * malformed file gives). Metadata values come in the Java forms listed in {@link GgufValueType}.
 * The object is immutable after opening and may be shared between threads; closing it invalidates
 * the tensors it handed out.
 */
public final class GgufFile implements AutoCloseable {
    private final Path path;
    private final GgufHeader header;
    private final Map<String, GgufTensorInfo> tensorsByName;
    private final MappedFile mapped;

    private GgufFile(Path path, GgufHeader header, MappedFile mapped) {
        this.path = path;
        this.header = header;
        this.mapped = mapped;
        Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        for (GgufTensorInfo t : header.tensors()) {
            byName.put(t.name(), t);
        }
        this.tensorsByName = Collections.unmodifiableMap(byName);
    }

    /**
     * Reads and validates the header, metadata and tensor infos; the tensor data is memory-mapped.
     *
     * @throws ModelFormatException when the file is not a valid GGUF file of version 2 or 3
     * @throws IOException when it cannot be read or mapped
     */
    public static GgufFile open(Path path) throws IOException {
        GgufHeader header;
        long size;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            size = channel.size();
            header = GgufHeader.read(channel, path);
        }
        MappedFile mapped = MappedFile.open(path);
        if (mapped.size() != size) {
            mapped.close();
            throw new ModelFormatException(path + ": the file changed size while it was opened");
        }
        return new GgufFile(path, header, mapped);
    }

    /** The file this was opened from. */
    public Path path() {
        return path;
    }

    /** The GGUF version: 2 or 3. */
    public int version() {
        return header.version();
    }

    /** The alignment of tensor data in bytes ({@code general.alignment}, 32 when absent). */
    public long alignment() {
        return header.alignment();
    }

    /** Where the data section starts in the file. */
    public long dataOffset() {
        return header.dataOffset();
    }

    // ---- metadata --------------------------------------------------------------------------------

    /** The metadata keys in file order. */
    public Set<String> keys() {
        return Collections.unmodifiableSet(header.metadata().keySet());
    }

    /** Whether the metadata holds key. */
    public boolean has(String key) {
        return header.metadata().containsKey(key);
    }

    /** The value's type, or null when the key is absent. */
    public GgufValueType typeOf(String key) {
        GgufValue v = header.metadata().get(key);
        return v == null ? null : v.type();
    }

    /** The element type of an array value, or null when the key is absent or not an array. */
    public GgufValueType arrayTypeOf(String key) {
        GgufValue v = header.metadata().get(key);
        return v != null && v.value() instanceof GgufArray a ? a.elementType() : null;
    }

    /**
     * The value in its Java form (see {@link GgufValueType}): a boxed scalar or String; for arrays
     * a fresh primitive array or an unmodifiable list. Null when the key is absent.
     */
    public Object get(String key) {
        GgufValue v = header.metadata().get(key);
        if (v == null) {
            return null;
        }
        return v.value() instanceof GgufArray a ? a.values() : v.value();
    }

    /** An array value with its element type. */
    public GgufArray getArray(String key) throws ModelFormatException {
        return (GgufArray) require(key, GgufValueType.ARRAY).value();
    }

    /** A STRING value; missing or of another type throws, naming the file and key. */
    public String getString(String key) throws ModelFormatException {
        return (String) require(key, GgufValueType.STRING).value();
    }

    /** A value of any integer type; a UINT64 of 2^63 or more does not fit and throws. */
    public long getLong(String key) throws ModelFormatException {
        GgufValue v = require(key, null);
        if (!v.type().isInteger()) {
            throw wrongType(key, v, "an integer");
        }
        long x = ((Number) v.value()).longValue();
        if (v.type() == GgufValueType.UINT64 && x < 0) {
            throw new ModelFormatException(path + ": key " + ModelFormatException.quote(key) + " holds " + Long.toUnsignedString(x)
                    + ", more than a long holds");
        }
        return x;
    }

    /**
     * An integer in [min, max]: any integer type whose value lies there, so that a UINT64 of
     * 2^32 + 4 is an error and never wraps to 4.
     *
     * @throws ModelFormatException when the key is missing, not an integer or outside [min, max]
     */
    public int getInt(String key, int min, int max) throws ModelFormatException {
        GgufValue v = require(key, null);
        if (!v.type().isInteger()) {
            throw wrongType(key, v, "an integer");
        }
        long x = ((Number) v.value()).longValue();
        boolean hugeUnsigned = v.type() == GgufValueType.UINT64 && x < 0;
        if (hugeUnsigned || x < min || x > max) {
            throw new ModelFormatException(path + ": key " + ModelFormatException.quote(key) + " is "
                    + (hugeUnsigned ? Long.toUnsignedString(x) : Long.toString(x)) + ", outside [" + min + ", " + max + "]");
        }
        return (int) x;
    }

    /** The integer in [min, max], or dflt when the key is absent (see {@link #getInt(String, int, int)}). */
    public int getInt(String key, int min, int max, int dflt) throws ModelFormatException {
        return has(key) ? getInt(key, min, max) : dflt;
    }

    /** A value of any numeric type (UINT64 read as unsigned). */
    public double getDouble(String key) throws ModelFormatException {
        GgufValue v = require(key, null);
        if (!v.type().isNumeric()) {
            throw wrongType(key, v, "a number");
        }
        return toDouble(v.type(), ((Number) v.value()).longValue(), (Number) v.value());
    }

    /** A BOOL value. */
    public boolean getBoolean(String key) throws ModelFormatException {
        return (Boolean) require(key, GgufValueType.BOOL).value();
    }

    /** An array of STRING. */
    @SuppressWarnings("unchecked")
    public List<String> getStringArray(String key) throws ModelFormatException {
        GgufArray a = requireArray(key);
        if (a.elementType() != GgufValueType.STRING) {
            throw wrongArrayType(key, a, "strings");
        }
        return (List<String>) a.values();
    }

    /** An array of any numeric type, converted to float (UINT64 read as unsigned). */
    public float[] getFloatArray(String key) throws ModelFormatException {
        GgufArray a = requireArray(key);
        GgufValueType t = a.elementType();
        if (!t.isNumeric()) {
            throw wrongArrayType(key, a, "numbers");
        }
        Object values = a.values();
        if (values instanceof float[] f) {
            return f;
        }
        int n = a.length();
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            Number x = (Number) Array.get(values, i);
            out[i] = (float) toDouble(t, x.longValue(), x);
        }
        return out;
    }

    /** An array of any integer type whose every element fits an int. */
    public int[] getIntArray(String key) throws ModelFormatException {
        GgufArray a = requireArray(key);
        GgufValueType t = a.elementType();
        if (!t.isInteger()) {
            throw wrongArrayType(key, a, "integers");
        }
        Object values = a.values();
        if (values instanceof int[] i) {
            return i;  // INT32 or UINT16: every element fits
        }
        int n = a.length();
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            long x = ((Number) Array.get(values, i)).longValue();
            if (x != (int) x || (t == GgufValueType.UINT64 && x < 0)) {
                throw new ModelFormatException(path + ": key " + ModelFormatException.quote(key) + " element " + i + " is "
                        + (t == GgufValueType.UINT64 ? Long.toUnsignedString(x) : Long.toString(x))
                        + ", which does not fit an int");
            }
            out[i] = (int) x;
        }
        return out;
    }

    /** The string, or dflt when the key is absent (another type still throws). */
    public String getString(String key, String dflt) throws ModelFormatException {
        return has(key) ? getString(key) : dflt;
    }

    /** The integer, or dflt when the key is absent (another type still throws). */
    public long getLong(String key, long dflt) throws ModelFormatException {
        return has(key) ? getLong(key) : dflt;
    }

    /** The number, or dflt when the key is absent (another type still throws). */
    public double getDouble(String key, double dflt) throws ModelFormatException {
        return has(key) ? getDouble(key) : dflt;
    }

    /** The boolean, or dflt when the key is absent (another type still throws). */
    public boolean getBoolean(String key, boolean dflt) throws ModelFormatException {
        return has(key) ? getBoolean(key) : dflt;
    }

    // ---- tensors ---------------------------------------------------------------------------------

    /** The tensor infos in file order. */
    public List<GgufTensorInfo> tensors() {
        return header.tensors();
    }

    /** Whether the file holds a tensor of this name. */
    public boolean hasTensor(String name) {
        return tensorsByName.containsKey(name);
    }

    /** The named tensor's info (also for types llmaccel does not compute); absent throws. */
    public GgufTensorInfo tensorInfo(String name) throws ModelFormatException {
        GgufTensorInfo t = tensorsByName.get(name);
        if (t == null) {
            throw new ModelFormatException(path + ": no tensor " + ModelFormatException.quote(name));
        }
        return t;
    }

    /**
     * A read-only tensor viewing the mapped data, row-major (GGUF dimensions reversed). It stays
     * valid while this file is open; closing it does not close the file.
     *
     * @throws ModelFormatException when there is no such tensor or its type is not one llmaccel computes
     * @throws IllegalStateException when this file is closed
     */
    public Tensor tensor(String name) throws ModelFormatException {
        if (!mapped.isOpen()) {
            throw new IllegalStateException(path + " is closed");
        }
        GgufTensorInfo t = tensorInfo(name);
        DType dtype = t.dtype();
        if (dtype == null) {
            throw new ModelFormatException(path + ": tensor " + ModelFormatException.quote(name) + " is of type " + t.type()
                    + ", which llmaccel does not compute (it computes " + java.util.Arrays.toString(DType.values()) + ")");
        }
        for (long d : t.dims()) {
            if (d > Integer.MAX_VALUE) {
                throw new ModelFormatException(path + ": tensor " + ModelFormatException.quote(name) + " has a dimension of " + d
                        + ", more than a Tensor holds (" + Integer.MAX_VALUE + ")");
            }
        }
        return Tensor.mapped(mapped, t.offset(), dtype, t.shape());
    }

    /** Unmaps the file; tensors from {@link #tensor} become unusable. Idempotent. */
    @Override
    public void close() {
        mapped.close();
    }

    @Override
    public String toString() {
        return "GGUF v" + version() + " " + path + " (" + header.metadata().size() + " keys, "
                + header.tensors().size() + " tensors)";
    }

    // ---- checks ----------------------------------------------------------------------------------

    /** The value of key, which must exist and (unless type is null) be of that type. */
    private GgufValue require(String key, GgufValueType type) throws ModelFormatException {
        GgufValue v = header.metadata().get(key);
        if (v == null) {
            throw new ModelFormatException(path + ": missing key " + ModelFormatException.quote(key));
        }
        if (type != null && v.type() != type) {
            throw wrongType(key, v, type.toString());
        }
        return v;
    }

    private GgufArray requireArray(String key) throws ModelFormatException {
        return (GgufArray) require(key, GgufValueType.ARRAY).value();
    }

    private ModelFormatException wrongType(String key, GgufValue v, String expected) {
        String actual = v.value() instanceof GgufArray a ? "an ARRAY of " + a.elementType() : "a " + v.type();
        return new ModelFormatException(path + ": key " + ModelFormatException.quote(key) + " is " + actual + ", expected " + expected);
    }

    private ModelFormatException wrongArrayType(String key, GgufArray a, String expected) {
        return new ModelFormatException(path + ": key " + ModelFormatException.quote(key) + " is an ARRAY of " + a.elementType()
                + ", expected an array of " + expected);
    }

    /** A number as a double; a UINT64's bits are read as unsigned. */
    private static double toDouble(GgufValueType type, long bits, Number value) {
        if (type == GgufValueType.UINT64 && bits < 0) {
            return (double) (bits >>> 1) * 2.0 + (bits & 1);
        }
        return value.doubleValue();
    }
}
