package dev.llmaccel.format.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/** Writes little-endian values to a file channel through one buffer, counting the bytes written. */
final class ChannelSink {
    private static final int BUFFER_BYTES = 1 << 20;

    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private long position;

    ChannelSink(FileChannel channel) {
        this.channel = channel;
    }

    /** Bytes written so far (the file offset of the next byte). */
    long position() {
        return position;
    }

    void i8(byte v) throws IOException {
        room(1).put(v);
    }

    void i16(short v) throws IOException {
        room(2).putShort(v);
    }

    void i32(int v) throws IOException {
        room(4).putInt(v);
    }

    void i64(long v) throws IOException {
        room(8).putLong(v);
    }

    void f32(float v) throws IOException {
        room(4).putFloat(v);
    }

    void f64(double v) throws IOException {
        room(8).putDouble(v);
    }

    /** A GGUF string: u64 byte length, then the UTF-8 bytes. */
    void string(String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        i64(utf8.length);
        bytes(utf8, 0, utf8.length);
    }

    void bytes(byte[] src, int offset, int length) throws IOException {
        int done = 0;
        while (done < length) {
            if (!buffer.hasRemaining()) {
                flush();
            }
            int n = Math.min(length - done, buffer.remaining());
            buffer.put(src, offset + done, n);
            done += n;
            position += n;
        }
    }

    /** Writes zero bytes up to the next multiple of alignment. */
    void pad(long alignment) throws IOException {
        long padding = GgufLayout.padding(position, alignment);
        for (long i = 0; i < padding; i++) {
            i8((byte) 0);
        }
    }

    /** Writes out everything buffered. */
    void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    private ByteBuffer room(int n) throws IOException {
        if (buffer.remaining() < n) {
            flush();
        }
        position += n;
        return buffer;
    }
}
