package dev.llmaccel.corpus;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Little-endian edits of a file's bytes, in place or as a new array when the length changes. */
final class Bytes {
    private Bytes() {}

    static byte[] putI32(byte[] b, int at, long v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, (int) v);
        return b;
    }

    static byte[] putI64(byte[] b, int at, long v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
        return b;
    }

    static byte[] putF32(byte[] b, int at, float v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putFloat(at, v);
        return b;
    }

    static int getI32(byte[] b, int at) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(at);
    }

    static long getI64(byte[] b, int at) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(at);
    }

    static byte[] le32(long v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array();
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] f32Fill(byte[] b, int at, long bytes, float v) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < bytes; i += 4) {
            buf.putFloat(at + (int) i, v);
        }
        return b;
    }

    /** b with removed bytes at at replaced by insert. */
    static byte[] splice(byte[] b, int at, int removed, byte[] insert) {
        byte[] out = new byte[b.length - removed + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + removed, out, at + insert.length, b.length - at - removed);
        return out;
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    static byte[] cut(byte[] b, int length) {
        return Arrays.copyOf(b, length);
    }
}
