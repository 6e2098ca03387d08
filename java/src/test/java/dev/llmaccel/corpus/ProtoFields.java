package dev.llmaccel.corpus;

import java.util.ArrayList;
import java.util.List;

/**
 * The tests' own walk over protobuf bytes (ONNX files), independent of the library's reader: the
 * fields of one message, each with where its tag, its length and its value start.
 */
final class ProtoFields {
    /** One field; for length-delimited ones (wire type 2) lengthAt/lengthWidth/length are set. */
    record Field(int number, int wire, int tagAt, int lengthAt, int lengthWidth, long length, int valueAt, long varint) {
        int end() {
            return wire == 2 ? valueAt + (int) length : -1;
        }
    }

    private ProtoFields() {}

    /** The fields of the message in b[start, end). */
    static List<Field> parse(byte[] b, int start, int end) {
        List<Field> fields = new ArrayList<>();
        int p = start;
        while (p < end) {
            int tagAt = p;
            long[] tag = varint(b, p);
            p = (int) tag[1];
            int number = (int) (tag[0] >>> 3);
            int wire = (int) (tag[0] & 7);
            switch (wire) {
                case 0 -> {
                    long[] v = varint(b, p);
                    fields.add(new Field(number, wire, tagAt, -1, 0, -1, p, v[0]));
                    p = (int) v[1];
                }
                case 1 -> {
                    fields.add(new Field(number, wire, tagAt, -1, 0, -1, p, 0));
                    p += 8;
                }
                case 2 -> {
                    long[] l = varint(b, p);
                    int valueAt = (int) l[1];
                    fields.add(new Field(number, wire, tagAt, p, valueAt - p, l[0], valueAt, 0));
                    p = valueAt + (int) l[0];
                }
                case 5 -> {
                    fields.add(new Field(number, wire, tagAt, -1, 0, -1, p, 0));
                    p += 4;
                }
                default -> throw new IllegalArgumentException("wire type " + wire + " at " + tagAt);
            }
        }
        return fields;
    }

    /** The fields of a length-delimited field's value. */
    static List<Field> parse(byte[] b, Field message) {
        return parse(b, message.valueAt(), message.end());
    }

    /** The first field of a number, or null. */
    static Field first(List<Field> fields, int number) {
        return fields.stream().filter(f -> f.number() == number).findFirst().orElse(null);
    }

    /** {value, position after it}. */
    static long[] varint(byte[] b, int p) {
        long v = 0;
        for (int shift = 0;; shift += 7) {
            int c = b[p++] & 0xFF;
            v |= (long) (c & 0x7F) << shift;
            if (c < 0x80) {
                return new long[] {v, p};
            }
        }
    }

    /** value as a varint of exactly width bytes (protobuf readers accept the padding); value < 2^(7 width). */
    static byte[] varintOfWidth(long value, int width) {
        if (width < 10 && value >>> (7 * width) != 0) {
            throw new IllegalArgumentException(value + " does not fit " + width + " varint bytes");
        }
        byte[] out = new byte[width];
        for (int i = 0; i < width; i++) {
            out[i] = (byte) ((value >>> (7 * i)) & 0x7F);
            if (i < width - 1) {
                out[i] |= (byte) 0x80;
            }
        }
        return out;
    }

    /** The largest value a varint of width bytes holds. */
    static long maxOfWidth(int width) {
        return width >= 9 ? Long.MAX_VALUE : (1L << (7 * width)) - 1;
    }

    /** The width in bytes of the varint at p. */
    static int width(byte[] b, int p) {
        return (int) varint(b, p)[1] - p;
    }
}
