package dev.llmaccel.format.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The tests' own GGUF encoder, independent of {@link GgufWriter}: a file described field by field
 * (so any field can be forged), written byte by byte while it records where every field starts
 * (the structural boundaries) and where named fields are (marks), for patching.
 */
final class RawGguf {
    static final int MAGIC = 0x46554747;

    /** One metadata entry: its key and the bytes after the key (type id and value). */
    record Kv(String key, Consumer<RawGguf> typeAndValue) {}

    /** One tensor info and its data; offset null means "where it belongs" (contiguous, aligned). */
    static final class TensorSpec {
        String name;
        long[] dims;
        int type;
        Long offset;
        byte[] data;

        TensorSpec(String name, int type, long[] dims, byte[] data) {
            this.name = name;
            this.type = type;
            this.dims = dims;
            this.data = data;
        }
    }

    /**
     * A small valid file: one metadata entry of every value type (arrays of strings, floats and
     * arrays included) and three tensors, the last one ending exactly at the end of the file.
     */
    static RawGguf sample() {
        RawGguf g = new RawGguf();
        g.kvString("general.architecture", "llama");
        g.kv("test.u8", e -> e.i32(GgufValueType.UINT8.id()).u8(200));
        g.kv("test.i8", e -> e.i32(GgufValueType.INT8.id()).u8(-100));
        g.kv("test.u16", e -> e.i32(GgufValueType.UINT16.id()).i16(60000));
        g.kv("test.i16", e -> e.i32(GgufValueType.INT16.id()).i16(-30000));
        g.kvU32("test.u32", 4_000_000_000L);
        g.kv("test.i32", e -> e.i32(GgufValueType.INT32.id()).i32(-2_000_000_000));
        g.kv("test.f32", e -> e.i32(GgufValueType.FLOAT32.id()).f32(1.5f));
        g.kv("test.bool", e -> e.i32(GgufValueType.BOOL.id()).u8(1));
        g.kv("test.u64", e -> e.i32(GgufValueType.UINT64.id()).i64(-1L));
        g.kv("test.i64", e -> e.i32(GgufValueType.INT64.id()).i64(Long.MIN_VALUE));
        g.kv("test.f64", e -> e.i32(GgufValueType.FLOAT64.id()).f64(Math.PI));
        g.kv("test.strings", e -> e.i32(GgufValueType.ARRAY.id()).i32(GgufValueType.STRING.id()).i64(3)
                .str("a").str("").str("\u00fcn\u00ef"));
        g.kv("test.floats", e -> e.i32(GgufValueType.ARRAY.id()).i32(GgufValueType.FLOAT32.id()).i64(3)
                .f32(1f).f32(-2f).f32(3.5f));
        g.kv("test.nested", e -> e.i32(GgufValueType.ARRAY.id()).i32(GgufValueType.ARRAY.id()).i64(2)
                .i32(GgufValueType.INT32.id()).i64(2).i32(1).i32(2)
                .i32(GgufValueType.STRING.id()).i64(1).str("x"));
        g.kvString("general.name", "sample");

        ByteBuffer a = ByteBuffer.allocate(60).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 15; i++) {
            a.putFloat(i);
        }
        g.tensor("a", GgmlType.F32, new long[] {5, 3}, a.array());
        ByteBuffer b = ByteBuffer.allocate(68).order(ByteOrder.LITTLE_ENDIAN);
        for (int block = 0; block < 2; block++) {
            b.putShort((short) 0x3C00);  // scale 1.0 in f16
            for (int i = 0; i < 32; i++) {
                b.put((byte) (i - 16 + block));
            }
        }
        g.tensor("b", GgmlType.Q8_0, new long[] {32, 2}, b.array());
        ByteBuffer c = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++) {
            c.putShort((short) 0x4000);  // 2.0 in f16
        }
        g.tensor("c", GgmlType.F16, new long[] {16}, c.array());
        return g;
    }

    // ---- the description ----------------------------------------------------------------------

    int magic = MAGIC;
    int version = 3;
    /** Counts written to the header; null means the real count. */
    Long tensorCount;
    Long kvCount;
    /** The alignment the layout follows (a general.alignment entry must be added separately). */
    long alignment = 32;
    final List<Kv> kvs = new ArrayList<>();
    final List<TensorSpec> tensors = new ArrayList<>();

    // ---- the encoding -------------------------------------------------------------------------

    private ByteBuffer out;
    private final List<Integer> boundaries = new ArrayList<>();
    private final Map<String, Integer> marks = new HashMap<>();
    private final Map<String, Integer> tensorDataStarts = new HashMap<>();

    /** The file's bytes. */
    byte[] bytes() {
        return encode(true);
    }

    /** The bytes before the data section (header, metadata, tensor infos, padding). */
    byte[] header() {
        return encode(false);
    }

    private byte[] encode(boolean withData) {
        out = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        boundaries.clear();
        marks.clear();
        tensorDataStarts.clear();
        i32(magic);
        mark("version");
        i32(version);
        mark("tensorCount");
        i64(tensorCount != null ? tensorCount : tensors.size());
        mark("kvCount");
        i64(kvCount != null ? kvCount : kvs.size());
        for (int i = 0; i < kvs.size(); i++) {
            mark("kv" + i);
            str(kvs.get(i).key());
            mark("kv" + i + ".type");
            kvs.get(i).typeAndValue().accept(this);
        }
        long[] offsets = new long[tensors.size()];
        long next = 0;
        for (int i = 0; i < tensors.size(); i++) {
            TensorSpec t = tensors.get(i);
            offsets[i] = t.offset != null ? t.offset : next;
            next = offsets[i] + t.data.length;
            next += (alignment - next % alignment) % alignment;
            mark("tensor" + i);
            str(t.name);
            mark("tensor" + i + ".ndims");
            i32(t.dims.length);
            for (int d = 0; d < t.dims.length; d++) {
                mark("tensor" + i + ".dim" + d);
                i64(t.dims[d]);
            }
            mark("tensor" + i + ".type");
            i32(t.type);
            mark("tensor" + i + ".offset");
            i64(offsets[i]);
        }
        if (!tensors.isEmpty()) {
            pad();
        }
        int dataStart = out.position();
        for (int i = 0; withData && i < tensors.size(); i++) {
            out.position(dataStart + (int) offsets[i]);
            tensorDataStarts.put(tensors.get(i).name, out.position());
            boundary();
            out.put(tensors.get(i).data);
            if (i + 1 < tensors.size()) {
                pad();
            }
        }
        return Arrays.copyOf(out.array(), out.position());
    }

    Path write(Path path) throws IOException {
        return Files.write(path, bytes());
    }

    /** Offsets where a field starts (from the last {@link #bytes()}), including the data of each tensor. */
    List<Integer> boundaries() {
        return List.copyOf(boundaries);
    }

    /** The offset of a named field (from the last {@link #bytes()}): "version", "kv3", "kv3.type", "tensor1.dim0", ... */
    int at(String name) {
        Integer at = marks.get(name);
        if (at == null) {
            throw new IllegalArgumentException("no mark " + name);
        }
        return at;
    }

    /** Where a tensor's data starts (from the last {@link #bytes()}). */
    int dataStart(String tensor) {
        return tensorDataStarts.get(tensor);
    }

    private void mark(String name) {
        marks.put(name, out.position());
    }

    private void boundary() {
        boundaries.add(out.position());
    }

    // ---- primitive fields (used by Kv encoders) -------------------------------------------------

    RawGguf u8(int v) {
        boundary();
        out.put((byte) v);
        return this;
    }

    RawGguf i16(int v) {
        boundary();
        out.putShort((short) v);
        return this;
    }

    RawGguf i32(int v) {
        boundary();
        out.putInt(v);
        return this;
    }

    RawGguf i64(long v) {
        boundary();
        out.putLong(v);
        return this;
    }

    RawGguf f32(float v) {
        boundary();
        out.putFloat(v);
        return this;
    }

    RawGguf f64(double v) {
        boundary();
        out.putDouble(v);
        return this;
    }

    RawGguf str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        i64(b.length);
        boundary();
        out.put(b);
        return this;
    }

    private void pad() {
        while (out.position() % alignment != 0) {
            out.put((byte) 0);
        }
    }

    // ---- entry helpers --------------------------------------------------------------------------

    RawGguf kv(String key, Consumer<RawGguf> typeAndValue) {
        kvs.add(new Kv(key, typeAndValue));
        return this;
    }

    RawGguf kvString(String key, String value) {
        return kv(key, g -> g.i32(GgufValueType.STRING.id()).str(value));
    }

    RawGguf kvU32(String key, long value) {
        return kv(key, g -> g.i32(GgufValueType.UINT32.id()).i32((int) value));
    }

    RawGguf tensor(String name, GgmlType type, long[] dims, byte[] data) {
        tensors.add(new TensorSpec(name, type.id(), dims, data));
        return this;
    }
}
