package dev.llmaccel.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of a long step on standard error. On a terminal a bar is redrawn in place
 * ("[#####.....] 512/1024  87.3/s"); into a file or pipe, where carriage returns would pile up, a
 * plain line is written every few seconds and one at the end; with --quiet nothing.
 */
final class ProgressBar {
    /** How progress is shown. */
    enum Mode { REDRAW, LINES, OFF }

    private static final int WIDTH = 30;
    /** Between two redraws on a terminal. */
    private static final long REDRAW_NANOS = 100_000_000L;
    /** Between two lines into a file or pipe. */
    static final long LINE_NANOS = 5_000_000_000L;

    private final PrintWriter err;
    private final long total;
    private final String unit;
    private final Mode mode;
    private final long start = System.nanoTime();
    private long lastShown = Long.MIN_VALUE;
    private long done;

    /** The stream a redrawn bar left its line open on (no newline yet), or null. */
    private static volatile PrintWriter openLine;

    /**
     * @param unit what is counted, for the lines written into a file or pipe ("lines", "MB")
     */
    ProgressBar(PrintWriter err, long total, String unit, Mode mode) {
        this.err = err;
        this.total = total;
        this.unit = unit;
        this.mode = mode;
    }

    void update(long done) {
        this.done = done;
        long now = System.nanoTime();
        switch (mode) {
            case REDRAW -> {
                // the first call draws (now - Long.MIN_VALUE would overflow to a negative span)
                if (lastShown == Long.MIN_VALUE || now - lastShown >= REDRAW_NANOS || done == total) {
                    lastShown = now;
                    int filled = total == 0 ? WIDTH : (int) (WIDTH * Math.min(done, total) / total);
                    err.printf(Locale.ROOT, "\r[%s%s] %d/%d  %.1f/s", "#".repeat(filled), ".".repeat(WIDTH - filled), done,
                            total, rate(now));
                    err.flush();
                    openLine = err;
                }
            }
            case LINES -> {
                if (lastShown == Long.MIN_VALUE) {
                    lastShown = now;  // the first line comes after LINE_NANOS: short work prints only the last
                } else if (now - lastShown >= LINE_NANOS && done < total) {
                    lastShown = now;
                    err.printf(Locale.ROOT, "llmaccel: %d/%d %s, %.1f/s%n", done, total, unit, rate(now));
                    err.flush();
                }
            }
            case OFF -> { }
        }
    }

    /** Ends the line a bar left open on err, if any: an error message then starts a line of its own. */
    static void endLine(PrintWriter err) {
        if (openLine == err) {
            openLine = null;
            err.println();
        }
    }

    void finish() {
        switch (mode) {
            case REDRAW -> {
                openLine = null;
                err.println();
            }
            case LINES -> err.printf(Locale.ROOT, "llmaccel: %d/%d %s in %.2f s%n", done, total, unit,
                    (System.nanoTime() - start) / 1e9);
            case OFF -> { }
        }
        err.flush();
    }

    private double rate(long now) {
        double seconds = (now - start) / 1e9;
        return seconds > 0 ? done / seconds : 0.0;
    }
}
