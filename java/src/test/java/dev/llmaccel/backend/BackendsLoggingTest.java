package dev.llmaccel.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.LogCapture;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** Backends.best() says what it chose once per process at INFO; an application that calls it often is not flooded. */
class BackendsLoggingTest {
    @Test
    void onlyTheFirstChoiceOfTheProcessIsLoggedAtInfo() {
        try (LogCapture log = new LogCapture()) {
            try (Backend first = Backends.best()) {
                assertFalse(log.records().isEmpty(), "best() logs its choice");
            }
            log.clear();
            try (Backend second = Backends.best()) {
                List<LogRecord> records = log.records();
                assertFalse(records.isEmpty(), "later calls still log, at a finer level");
                for (LogRecord r : records) {
                    assertEquals(Level.FINE, r.getLevel(), r.getMessage());
                }
                assertTrue(records.stream().anyMatch(r -> r.getMessage().startsWith("using backend " + second.name())),
                        "logged: " + log.messages());
            }
        }
    }
}
