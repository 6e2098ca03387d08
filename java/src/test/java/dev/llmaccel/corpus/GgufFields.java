package dev.llmaccel.corpus;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The tests' own walk over a valid GGUF file (independent of the library's reader): where every
 * field starts, so that a mutation can aim at one. Handles the value types of GGUF v3; a file it
 * cannot walk is a broken test input, so it throws IllegalArgumentException.
 */
final class GgufFields {
    static final int MAGIC_AT = 0;
    static final int VERSION_AT = 4;
    static final int TENSOR_COUNT_AT = 8;
    static final int KV_COUNT_AT = 16;

    static final int UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
            STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12;
    private static final int[] SIZES = {1, 1, 2, 2, 4, 4, 4, 1, -1, -1, 8, 8, 8};

    /**
     * One metadata entry. For arrays, elementType, countAt and count describe the array and
     * elementsAt where its first element starts; for scalars valueAt is the value's first byte.
     */
    record Kv(String key, int keyLengthAt, int typeAt, int type, int valueAt, int end,
              int elementType, int countAt, long count, int elementsAt) {}

    /** One tensor info: name, dims, type and offset fields, and where its data starts in the file. */
    record TensorInfo(String name, int nameLengthAt, int nDimsAt, long[] dims, int[] dimAt, int typeAt, int type,
                      int offsetAt, long offset, long dataAt) {}

    final byte[] bytes;
    final List<Kv> kvs = new ArrayList<>();
    final List<TensorInfo> tensors = new ArrayList<>();
    /** The end of the last tensor info (the padding to the data section starts here). */
    final int infosEnd;
    /** The start of the data section (infosEnd rounded up to the alignment). */
    final int dataStart;
    final int alignment;

    private final ByteBuffer buf;
    private int p;

    GgufFields(byte[] bytes) {
        this.bytes = bytes;
        this.buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.getInt(MAGIC_AT) != 0x46554747 || buf.getInt(VERSION_AT) != 3) {
            throw new IllegalArgumentException("not a GGUF v3 file");
        }
        long tensorCount = buf.getLong(TENSOR_COUNT_AT);
        long kvCount = buf.getLong(KV_COUNT_AT);
        p = 24;
        int align = 32;
        for (long i = 0; i < kvCount; i++) {
            int keyLengthAt = p;
            String key = string();
            int typeAt = p;
            int type = u32();
            int valueAt = p;
            int elementType = -1;
            int countAt = -1;
            long count = -1;
            int elementsAt = -1;
            if (type == ARRAY) {
                elementType = u32();
                countAt = p;
                count = buf.getLong(p);
                p += 8;
                elementsAt = p;
                for (long e = 0; e < count; e++) {
                    skipValue(elementType);
                }
            } else {
                if (key.equals("general.alignment")) {
                    align = buf.getInt(p);
                }
                skipValue(type);
            }
            kvs.add(new Kv(key, keyLengthAt, typeAt, type, valueAt, p, elementType, countAt, count, elementsAt));
        }
        this.alignment = align;
        for (long i = 0; i < tensorCount; i++) {
            int nameLengthAt = p;
            String name = string();
            int nDimsAt = p;
            int nDims = u32();
            long[] dims = new long[nDims];
            int[] dimAt = new int[nDims];
            for (int d = 0; d < nDims; d++) {
                dimAt[d] = p;
                dims[d] = buf.getLong(p);
                p += 8;
            }
            int typeAt = p;
            int type = u32();
            int offsetAt = p;
            long offset = buf.getLong(p);
            p += 8;
            tensors.add(new TensorInfo(name, nameLengthAt, nDimsAt, dims, dimAt, typeAt, type, offsetAt, offset, -1));
        }
        this.infosEnd = p;
        this.dataStart = (p + align - 1) / align * align;
        for (int i = 0; i < tensors.size(); i++) {
            TensorInfo t = tensors.get(i);
            tensors.set(i, new TensorInfo(t.name(), t.nameLengthAt(), t.nDimsAt(), t.dims(), t.dimAt(), t.typeAt(),
                    t.type(), t.offsetAt(), t.offset(), dataStart + t.offset()));
        }
    }

    Kv kv(String key) {
        return kvs.stream().filter(k -> k.key().equals(key)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no key " + key));
    }

    TensorInfo tensor(String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no tensor " + name));
    }

    /** The bytes of an F32 tensor (the sample's are all F32). */
    static long f32Bytes(TensorInfo t) {
        long n = 4;
        for (long d : t.dims()) {
            n *= d;
        }
        return n;
    }

    private int u32() {
        int v = buf.getInt(p);
        p += 4;
        return v;
    }

    private String string() {
        long length = buf.getLong(p);
        p += 8;
        String s = new String(bytes, p, Math.toIntExact(length), StandardCharsets.UTF_8);
        p += (int) length;
        return s;
    }

    private void skipValue(int type) {
        if (type == STRING) {
            long length = buf.getLong(p);
            p += 8 + Math.toIntExact(length);
        } else if (type == ARRAY) {
            int elementType = u32();
            long count = buf.getLong(p);
            p += 8;
            for (long e = 0; e < count; e++) {
                skipValue(elementType);
            }
        } else if (type >= 0 && type < SIZES.length) {
            p += SIZES[type];
        } else {
            throw new IllegalArgumentException("value type " + type + " at " + p);
        }
    }
}
