package dev.llmaccel.model.llama;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/** Writes tiny llama2.c checkpoints with seeded random weights, for tests. */
public final class Llama2cWriter {
    private Llama2cWriter() {}

    /**
     * A checkpoint of the given shape; sharedClassifier false stores a separate output layer
     * (negative vocabulary size in the header).
     */
    public static Path write(Path file, int dim, int hidden, int layers, int heads, int kvHeads, int vocab, int seqLen,
            boolean sharedClassifier, long seed) throws IOException {
        Random r = new Random(seed);
        int headDim = dim / heads;
        int kvDim = kvHeads * headDim;
        long floats = (long) vocab * dim
                + (long) layers * (2L * dim + 2L * dim * dim + 2L * dim * kvDim + 3L * dim * hidden)
                + dim + (long) seqLen * headDim + (sharedClassifier ? 0 : (long) vocab * dim);
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(7 * 4 + floats * 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(dim).putInt(hidden).putInt(layers).putInt(heads).putInt(kvHeads)
                .putInt(sharedClassifier ? vocab : -vocab).putInt(seqLen);
        double w = 1 / Math.sqrt(dim);
        gaussian(b, r, (long) vocab * dim, 1.0);               // token embedding
        norms(b, r, (long) layers * dim);                       // attention norms
        gaussian(b, r, (long) layers * dim * dim, w);           // wq
        gaussian(b, r, (long) layers * kvDim * dim, w);         // wk
        gaussian(b, r, (long) layers * kvDim * dim, w);         // wv
        gaussian(b, r, (long) layers * dim * dim, w);           // wo
        norms(b, r, (long) layers * dim);                       // ffn norms
        gaussian(b, r, (long) layers * hidden * dim, w);        // w1 (gate)
        gaussian(b, r, (long) layers * dim * hidden, 1 / Math.sqrt(hidden)); // w2 (down)
        gaussian(b, r, (long) layers * hidden * dim, w);        // w3 (up)
        norms(b, r, dim);                                       // final norm
        gaussian(b, r, (long) seqLen * headDim, 1.0);           // rope tables (unused by readers)
        if (!sharedClassifier) {
            gaussian(b, r, (long) vocab * dim, w);
        }
        b.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
        return file;
    }

    private static void gaussian(ByteBuffer b, Random r, long n, double scale) {
        for (long i = 0; i < n; i++) {
            b.putFloat((float) (r.nextGaussian() * scale));
        }
    }

    private static void norms(ByteBuffer b, Random r, long n) {
        for (long i = 0; i < n; i++) {
            b.putFloat((float) (1 + 0.1 * r.nextGaussian()));
        }
    }
}
