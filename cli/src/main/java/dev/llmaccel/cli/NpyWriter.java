package dev.llmaccel.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Writes a float32 matrix (rows, columns) as a NumPy .npy file (format 1.0) row by row, so the
 * row count need not be known in advance: the header is reserved at a fixed 128 bytes and written
 * last, when the count is known.
 */
final class NpyWriter implements AutoCloseable {
    /** Header size including magic, version and length: a multiple of 64 as the format asks. */
    static final int HEADER_BYTES = 128;

    private final RandomAccessFile file;
    private final OutputStream out;
    private final int columns;
    private long rows;

    NpyWriter(Path path, int columns) throws IOException {
        if (columns < 1) {
            throw new IllegalArgumentException("columns must be positive, got " + columns);
        }
        this.columns = columns;
        this.file = new RandomAccessFile(path.toFile(), "rw");
        file.setLength(0);
        file.seek(HEADER_BYTES);
        this.out = new BufferedOutputStream(Channels.newOutputStream(file.getChannel()), 1 << 16);
    }

    /** Appends one row of exactly columns values. */
    void write(float[] row) throws IOException {
        if (row.length != columns) {
            throw new IllegalArgumentException("row of " + row.length + " values in a matrix of " + columns + " columns");
        }
        ByteBuffer b = ByteBuffer.allocate(4 * columns).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : row) {
            b.putFloat(v);
        }
        out.write(b.array());
        rows++;
    }

    /** The 128-byte header for a (rows, columns) little-endian float32 array in C order. */
    static byte[] header(long rows, int columns) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + columns + "), }";
        int prefix = 10;  // magic (6), version (2), header length (2)
        StringBuilder h = new StringBuilder(dict);
        while (prefix + h.length() + 1 < HEADER_BYTES) {
            h.append(' ');
        }
        h.append('\n');
        byte[] text = h.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(prefix + text.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) text.length).put(text);
        return b.array();
    }

    @Override
    public void close() throws IOException {
        try {
            out.flush();
            file.seek(0);
            file.write(header(rows, columns));
        } finally {
            file.close();
        }
    }
}
