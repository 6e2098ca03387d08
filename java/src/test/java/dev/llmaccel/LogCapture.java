package dev.llmaccel;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records what the library logs on the {@code dev.llmaccel} logger, at every level, while open.
 * System.Logger reaches java.util.logging here (the JDK's default), so this sees both.
 */
public final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger = Logger.getLogger("dev.llmaccel");
    private final Level before = logger.getLevel();
    private final List<LogRecord> records = new ArrayList<>();

    public LogCapture() {
        logger.setLevel(Level.ALL);
        logger.addHandler(this);
    }

    @Override
    public synchronized void publish(LogRecord record) {
        records.add(record);
    }

    /** The records so far, oldest first. */
    public synchronized List<LogRecord> records() {
        return List.copyOf(records);
    }

    /** The messages so far, oldest first. */
    public synchronized List<String> messages() {
        return records.stream().map(LogRecord::getMessage).toList();
    }

    /** Forgets the records so far. */
    public synchronized void clear() {
        records.clear();
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        logger.removeHandler(this);
        logger.setLevel(before);
    }
}
