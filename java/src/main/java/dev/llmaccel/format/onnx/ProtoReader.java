package dev.llmaccel.format.onnx;

import dev.llmaccel.format.ModelFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads the protobuf wire format from a window [position, limit) of a buffer: tags, varints,
 * fixed-width numbers and length-delimited fields. Every length is checked against the bytes left
 * in the window, so a truncated or garbled message is a {@link ModelFormatException}, never an
 * exception from the buffer or an allocation sized by garbage.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final ByteBuffer buffer;
    private final String source;
    private final int limit;
    private int position;
    private int lastWireType = -1;

    /** A reader of buffer's bytes [start, end); source names the file in messages. */
    ProtoReader(ByteBuffer buffer, int start, int end, String source) {
        this.buffer = buffer;
        this.position = start;
        this.limit = end;
        this.source = source;
    }

    boolean hasMore() {
        return position < limit;
    }

    int position() {
        return position;
    }

    /** The next field's number; its wire type is then {@link #wireType()}. */
    int nextField() throws ModelFormatException {
        long tag = readVarint();
        int field = (int) (tag >>> 3);
        lastWireType = (int) (tag & 7);
        if (field <= 0 || tag >>> 3 > Integer.MAX_VALUE) {
            throw corrupt("invalid field number " + (tag >>> 3));
        }
        return field;
    }

    int wireType() {
        return lastWireType;
    }

    long readVarint() throws ModelFormatException {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (position >= limit) {
                throw corrupt("varint runs past the end of its message");
            }
            byte b = buffer.get(position++);
            result |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw corrupt("varint longer than 10 bytes");
    }

    /** A varint field that must fit an int (as protobuf int32 is written: sign-extended to 64 bits). */
    int readInt32() throws ModelFormatException {
        long v = readVarint();
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw corrupt("int32 value " + v + " out of range");
        }
        return (int) v;
    }

    float readFixed32Float() throws ModelFormatException {
        need(4);
        float v = buffer.order(ByteOrder.LITTLE_ENDIAN).getFloat(position);
        position += 4;
        return v;
    }

    /** Reads a length prefix and returns the start of the field's bytes, which are then skipped. */
    int readLengthDelimited() throws ModelFormatException {
        long length = readVarint();
        if (length < 0 || length > limit - position) {
            throw corrupt("field of " + length + " bytes but only " + (limit - position) + " left in its message");
        }
        int start = position;
        position += (int) length;
        return start;
    }

    /** A reader over the length-delimited field that starts here. */
    ProtoReader readMessage() throws ModelFormatException {
        int start = readLengthDelimited();
        return new ProtoReader(buffer, start, position, source);
    }

    String readString() throws ModelFormatException {
        int start = readLengthDelimited();
        byte[] bytes = new byte[position - start];
        buffer.get(start, bytes);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw corrupt("a string is not valid UTF-8");
        }
    }

    /** Skips the value of a field whose tag was just read. */
    void skip() throws ModelFormatException {
        switch (lastWireType) {
            case VARINT -> readVarint();
            case FIXED64 -> {
                need(8);
                position += 8;
            }
            case LENGTH_DELIMITED -> readLengthDelimited();
            case FIXED32 -> {
                need(4);
                position += 4;
            }
            default -> throw corrupt("unsupported wire type " + lastWireType);
        }
    }

    /**
     * Reads a repeated varint field, packed (one length-delimited run) or not (one value per tag),
     * appending to values.
     */
    void readVarints(LongList values) throws ModelFormatException {
        if (lastWireType == LENGTH_DELIMITED) {
            ProtoReader packed = readMessage();
            while (packed.hasMore()) {
                values.add(packed.readVarint());
            }
        } else {
            expect(VARINT);
            values.add(readVarint());
        }
    }

    /** Reads a repeated float field, packed or not, appending to values. */
    void readFloats(FloatList values) throws ModelFormatException {
        if (lastWireType == LENGTH_DELIMITED) {
            ProtoReader packed = readMessage();
            if ((packed.limit - packed.position) % 4 != 0) {
                throw corrupt("packed floats of " + (packed.limit - packed.position) + " bytes");
            }
            while (packed.hasMore()) {
                values.add(packed.readFixed32Float());
            }
        } else {
            expect(FIXED32);
            values.add(readFixed32Float());
        }
    }

    /** Fails unless the field just read has the given wire type. */
    void expect(int wireType) throws ModelFormatException {
        if (lastWireType != wireType) {
            throw corrupt("field has wire type " + lastWireType + ", expected " + wireType);
        }
    }

    ModelFormatException corrupt(String what) {
        return new ModelFormatException(source + ": corrupt protobuf at byte " + position + ": " + what);
    }

    private void need(int bytes) throws ModelFormatException {
        if (limit - position < bytes) {
            throw corrupt(bytes + "-byte value runs past the end of its message");
        }
    }

    /** A growable list of longs (dims and int64 data), without boxing. */
    static final class LongList {
        private long[] values = new long[8];
        private int size;

        void add(long v) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        long[] toArray() {
            return java.util.Arrays.copyOf(values, size);
        }
    }

    /** A growable list of floats, without boxing. */
    static final class FloatList {
        private float[] values = new float[8];
        private int size;

        void add(float v) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        int size() {
            return size;
        }

        float[] toArray() {
            return java.util.Arrays.copyOf(values, size);
        }
    }
}
