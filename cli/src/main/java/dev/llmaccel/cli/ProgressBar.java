package dev.llmaccel.cli;

import java.io.PrintWriter;

/** A one-line progress bar redrawn in place on a terminal stream: "[#####.....] 512/1024  87.3/s". */
final class ProgressBar {
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final long total;
    private final long start = System.nanoTime();

    ProgressBar(PrintWriter err, long total) {
        this.err = err;
        this.total = total;
    }

    void update(long done) {
        int filled = total == 0 ? WIDTH : (int) (WIDTH * done / total);
        double seconds = (System.nanoTime() - start) / 1e9;
        err.printf("\r[%s%s] %d/%d  %.1f/s", "#".repeat(filled), ".".repeat(WIDTH - filled), done, total,
                seconds > 0 ? done / seconds : 0.0);
        err.flush();
    }

    void finish() {
        err.println();
        err.flush();
    }
}
