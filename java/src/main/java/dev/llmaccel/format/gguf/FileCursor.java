package dev.llmaccel.format.gguf;

import dev.llmaccel.format.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Reads little-endian values from a file front to back with positional channel reads through a
 * small window. Every read first checks that the file still holds the bytes it needs, so a forged
 * length or count is reported as a {@link ModelFormatException} before anything is allocated.
 */
final class FileCursor {
    private static final int WINDOW_BYTES = 1 << 16;

    private final FileChannel channel;
    private final Path path;
    private final long size;
    private final ByteBuffer window = ByteBuffer.allocate(WINDOW_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    /** File offset of window[0]; the window holds bytes [windowStart, windowStart + window.limit()). */
    private long windowStart;
    private long position;
    /** What is being read, for error messages ("the value of key 'general.name'"). */
    private String context = "the header";

    FileCursor(FileChannel channel, Path path) throws IOException {
        this.channel = channel;
        this.path = path;
        this.size = channel.size();
        window.limit(0);
    }

    Path path() {
        return path;
    }

    long size() {
        return size;
    }

    long position() {
        return position;
    }

    long remaining() {
        return size - position;
    }

    /** Names what the following reads belong to, for error messages. */
    void context(String what) {
        context = what;
    }

    /** An exception naming the file, what was being read and where. */
    ModelFormatException error(String message) {
        return new ModelFormatException(path + ": " + message + " (in " + context + ", at byte " + position + ")");
    }

    byte i8() throws IOException {
        return need(1).get();
    }

    short i16() throws IOException {
        return need(2).getShort();
    }

    int i32() throws IOException {
        return need(4).getInt();
    }

    long i64() throws IOException {
        return need(8).getLong();
    }

    float f32() throws IOException {
        return need(4).getFloat();
    }

    double f64() throws IOException {
        return need(8).getDouble();
    }

    /** A string: a u64 byte length, then that many bytes of UTF-8 (malformed bytes become U+FFFD). */
    String string() throws IOException {
        long length = i64();
        if (length < 0 || length > remaining()) {
            throw error("a string of " + Long.toUnsignedString(length) + " bytes does not fit in the "
                    + remaining() + " bytes left in the file");
        }
        if (length > GgufValues.MAX_STRING_BYTES) {
            throw error("a string of " + length + " bytes exceeds the limit of " + GgufValues.MAX_STRING_BYTES);
        }
        return new String(bytes((int) length), StandardCharsets.UTF_8);
    }

    private byte[] bytes(int n) throws IOException {
        byte[] out = new byte[n];
        if (n <= WINDOW_BYTES) {
            need(n).get(out);
            return out;
        }
        ByteBuffer target = ByteBuffer.wrap(out);
        fill(target, position);
        if (target.hasRemaining()) {
            throw shrank();
        }
        position += n;
        return out;
    }

    /** The window positioned at the next n bytes (n <= WINDOW_BYTES), which the read then consumes. */
    private ByteBuffer need(int n) throws IOException {
        if (n > remaining()) {
            throw error("the file ends after " + size + " bytes, " + (n - remaining()) + " bytes too early");
        }
        if (position < windowStart || position + n > windowStart + window.limit()) {
            window.clear();
            fill(window, position);
            window.flip();
            windowStart = position;
            if (window.limit() < n) {
                throw shrank();
            }
        }
        window.position((int) (position - windowStart));
        position += n;
        return window;
    }

    private void fill(ByteBuffer target, long from) throws IOException {
        long at = from;
        while (target.hasRemaining()) {
            int read = channel.read(target, at);
            if (read < 0) {
                return;
            }
            at += read;
        }
    }

    private ModelFormatException shrank() {
        return error("the file became shorter while it was read");
    }
}
