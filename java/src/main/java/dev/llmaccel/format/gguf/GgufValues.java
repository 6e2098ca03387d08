package dev.llmaccel.format.gguf;

import java.io.IOException;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Metadata values between their GGUF bytes and their Java forms (the table in
 * {@link GgufValueType}): reading, writing and checking, kept side by side so they cannot drift.
 */
final class GgufValues {
    /** The reference reader's limit on one string (1 GiB). */
    static final long MAX_STRING_BYTES = 1L << 30;
    /** The reference reader's limit on one array's element count. */
    static final long MAX_ARRAY_ELEMENTS = 1L << 30;
    /** Arrays of arrays nest at most this deep: deeper is a forged file, not a model. */
    static final int MAX_NESTING = 8;

    private GgufValues() {}

    // ---- reading ---------------------------------------------------------------------------------

    /** Reads one value of type t (for ARRAY: element type, count and elements) in its Java form. */
    static Object read(FileCursor in, GgufValueType t) throws IOException {
        return t == GgufValueType.ARRAY ? readArray(in, 1) : readScalar(in, t);
    }

    private static Object readScalar(FileCursor in, GgufValueType t) throws IOException {
        switch (t) {
            case UINT8: return (short) (in.i8() & 0xFF);
            case INT8: return in.i8();
            case UINT16: return in.i16() & 0xFFFF;
            case INT16: return in.i16();
            case UINT32: return in.i32() & 0xFFFF_FFFFL;
            case INT32: return in.i32();
            case FLOAT32: return in.f32();
            case BOOL: return in.i8() != 0;
            case STRING: return in.string();
            case UINT64: case INT64: return in.i64();
            case FLOAT64: return in.f64();
            default: throw new IllegalArgumentException("not a scalar type: " + t);
        }
    }

    private static GgufArray readArray(FileCursor in, int depth) throws IOException {
        int typeId = in.i32();
        GgufValueType t = GgufValueType.fromId(typeId);
        if (t == null) {
            throw in.error("unknown array element type " + typeId);
        }
        if (t == GgufValueType.ARRAY && depth >= MAX_NESTING) {
            throw in.error("arrays nested deeper than " + MAX_NESTING);
        }
        long count = in.i64();
        if (count < 0 || count > MAX_ARRAY_ELEMENTS) {
            throw in.error("an array of " + Long.toUnsignedString(count) + " elements exceeds the limit of "
                    + MAX_ARRAY_ELEMENTS);
        }
        if (count > in.remaining() / t.minBytes()) {
            throw in.error("an array of " + count + " " + t + " elements (at least " + t.minBytes()
                    + " bytes each) does not fit in the " + in.remaining() + " bytes left in the file");
        }
        int n = (int) count;
        switch (t) {
            case UINT8: { short[] a = new short[n]; for (int i = 0; i < n; i++) a[i] = (short) (in.i8() & 0xFF); return new GgufArray(t, a); }
            case INT8: { byte[] a = new byte[n]; for (int i = 0; i < n; i++) a[i] = in.i8(); return new GgufArray(t, a); }
            case UINT16: { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = in.i16() & 0xFFFF; return new GgufArray(t, a); }
            case INT16: { short[] a = new short[n]; for (int i = 0; i < n; i++) a[i] = in.i16(); return new GgufArray(t, a); }
            case UINT32: { long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = in.i32() & 0xFFFF_FFFFL; return new GgufArray(t, a); }
            case INT32: { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = in.i32(); return new GgufArray(t, a); }
            case FLOAT32: { float[] a = new float[n]; for (int i = 0; i < n; i++) a[i] = in.f32(); return new GgufArray(t, a); }
            case BOOL: { boolean[] a = new boolean[n]; for (int i = 0; i < n; i++) a[i] = in.i8() != 0; return new GgufArray(t, a); }
            case UINT64: case INT64: { long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = in.i64(); return new GgufArray(t, a); }
            case FLOAT64: { double[] a = new double[n]; for (int i = 0; i < n; i++) a[i] = in.f64(); return new GgufArray(t, a); }
            case STRING: {
                // Grown as read, not presized: the count is only bounded by the file's size.
                List<String> a = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    a.add(in.string());
                }
                return new GgufArray(t, a);
            }
            case ARRAY: {
                List<GgufArray> a = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    a.add(readArray(in, depth + 1));
                }
                return new GgufArray(t, a);
            }
            default: throw new AssertionError(t);
        }
    }

    // ---- writing ---------------------------------------------------------------------------------

    /** Writes one value of type t (already checked) without its type id. */
    static void write(ChannelSink out, GgufValueType t, Object v) throws IOException {
        switch (t) {
            case UINT8: out.i8((byte) ((Short) v).shortValue()); return;
            case INT8: out.i8((Byte) v); return;
            case INT16: out.i16((Short) v); return;
            case UINT16: out.i16((short) ((Integer) v).intValue()); return;
            case UINT32: out.i32((int) ((Long) v).longValue()); return;
            case INT32: out.i32((Integer) v); return;
            case FLOAT32: out.f32((Float) v); return;
            case BOOL: out.i8((byte) ((Boolean) v ? 1 : 0)); return;
            case STRING: out.string((String) v); return;
            case UINT64: case INT64: out.i64((Long) v); return;
            case FLOAT64: out.f64((Double) v); return;
            case ARRAY: writeArray(out, (GgufArray) v); return;
            default: throw new AssertionError(t);
        }
    }

    private static void writeArray(ChannelSink out, GgufArray array) throws IOException {
        GgufValueType t = array.elementType();
        Object values = array.values();
        out.i32(t.id());
        out.i64(length(values));
        switch (t) {
            case UINT8: for (short x : (short[]) values) out.i8((byte) x); return;
            case INT8: for (byte x : (byte[]) values) out.i8(x); return;
            case UINT16: for (int x : (int[]) values) out.i16((short) x); return;
            case INT16: for (short x : (short[]) values) out.i16(x); return;
            case UINT32: for (long x : (long[]) values) out.i32((int) x); return;
            case INT32: for (int x : (int[]) values) out.i32(x); return;
            case FLOAT32: for (float x : (float[]) values) out.f32(x); return;
            case BOOL: for (boolean x : (boolean[]) values) out.i8((byte) (x ? 1 : 0)); return;
            case UINT64: case INT64: for (long x : (long[]) values) out.i64(x); return;
            case FLOAT64: for (double x : (double[]) values) out.f64(x); return;
            case STRING: for (Object x : (List<?>) values) out.string((String) x); return;
            case ARRAY: for (Object x : (List<?>) values) writeArray(out, (GgufArray) x); return;
            default: throw new AssertionError(t);
        }
    }

    // ---- checking --------------------------------------------------------------------------------

    /** Checks that v is type t's Java form and in its range; arrays must be {@link GgufArray}s. */
    static void checkScalar(GgufValueType t, Object v) {
        if (v == null) {
            throw new NullPointerException("value of type " + t);
        }
        boolean ok;
        switch (t) {
            case UINT8: ok = v instanceof Short s && s >= 0 && s <= 0xFF; break;
            case INT8: ok = v instanceof Byte; break;
            case UINT16: ok = v instanceof Integer i && i >= 0 && i <= 0xFFFF; break;
            case INT16: ok = v instanceof Short; break;
            case UINT32: ok = v instanceof Long l && l >= 0 && l <= 0xFFFF_FFFFL; break;
            case INT32: ok = v instanceof Integer; break;
            case FLOAT32: ok = v instanceof Float; break;
            case BOOL: ok = v instanceof Boolean; break;
            case STRING: ok = v instanceof String; break;
            case UINT64: case INT64: ok = v instanceof Long; break;
            case FLOAT64: ok = v instanceof Double; break;
            case ARRAY: ok = v instanceof GgufArray; break;
            default: throw new AssertionError(t);
        }
        if (!ok) {
            throw new IllegalArgumentException(describe(v) + " is not a " + t + " value (see GgufValueType for the Java forms)");
        }
    }

    /** Checks that values is the Java array form of elementType with every element in range. */
    static void checkArray(GgufValueType t, Object values) {
        boolean ok;
        switch (t) {
            case UINT8: ok = values instanceof short[] a && allIn(a, 0, 0xFF); break;
            case INT8: ok = values instanceof byte[]; break;
            case UINT16: ok = values instanceof int[] a && allIn(a, 0, 0xFFFF); break;
            case INT16: ok = values instanceof short[]; break;
            case UINT32: ok = values instanceof long[] a && allIn(a, 0, 0xFFFF_FFFFL); break;
            case INT32: ok = values instanceof int[]; break;
            case FLOAT32: ok = values instanceof float[]; break;
            case BOOL: ok = values instanceof boolean[]; break;
            case UINT64: case INT64: ok = values instanceof long[]; break;
            case FLOAT64: ok = values instanceof double[]; break;
            case STRING: ok = values instanceof List<?> l && allOf(l, String.class); break;
            case ARRAY: ok = values instanceof List<?> l && allOf(l, GgufArray.class) && depth(l) < MAX_NESTING; break;
            default: throw new AssertionError(t);
        }
        if (!ok) {
            throw new IllegalArgumentException(describe(values) + " is not an array of " + t
                    + " in range (see GgufValueType for the Java forms; arrays nest at most " + MAX_NESTING + " deep)");
        }
        if (length(values) > MAX_ARRAY_ELEMENTS) {
            throw new IllegalArgumentException("an array of " + length(values) + " elements exceeds " + MAX_ARRAY_ELEMENTS);
        }
    }

    /** Elements of a Java array form. */
    static int length(Object values) {
        if (values instanceof List<?> l) {
            return l.size();
        }
        return Array.getLength(values);
    }

    /** A copy of a primitive array; lists become unmodifiable copies (they hold immutable elements). */
    static Object copyArray(Object values) {
        if (values instanceof List<?> l) {
            return Collections.unmodifiableList(new ArrayList<>(l));
        }
        int n = Array.getLength(values);
        Object copy = Array.newInstance(values.getClass().getComponentType(), n);
        System.arraycopy(values, 0, copy, 0, n);
        return copy;
    }

    /** Whether every element of a short[], int[] or long[] lies in [lo, hi]. */
    private static boolean allIn(Object integers, long lo, long hi) {
        int n = Array.getLength(integers);
        for (int i = 0; i < n; i++) {
            long x = Array.getLong(integers, i);
            if (x < lo || x > hi) {
                return false;
            }
        }
        return true;
    }

    private static boolean allOf(List<?> list, Class<?> type) {
        for (Object x : list) {
            if (!type.isInstance(x)) {
                return false;
            }
        }
        return true;
    }

    /** How deep arrays of arrays nest below a list of arrays (1 when none of them holds arrays). */
    private static int depth(List<?> arrays) {
        int deepest = 0;
        for (Object x : arrays) {
            GgufArray a = (GgufArray) x;
            if (a.elementType() == GgufValueType.ARRAY) {
                deepest = Math.max(deepest, depth((List<?>) a.values()));
            }
        }
        return deepest + 1;
    }

    private static String describe(Object v) {
        return v == null ? "null" : v.getClass().getSimpleName();
    }
}
