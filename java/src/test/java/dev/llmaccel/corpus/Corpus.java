package dev.llmaccel.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.llmaccel.backend.NonFiniteResultException;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.generation.PromptTooLongException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Assumptions;
import org.opentest4j.AssertionFailedError;

/**
 * The rules every corpus case is held to: a mutated copy of a real file, loaded and run, gives
 * either a clean error (the documented exception, a message that names the problem in at most
 * 2000 characters, never a Java Error or another exception) or a run; how much of a run is
 * allowed depends on the mutation ({@link Expect}). A case that hangs fails after a timeout.
 */
public final class Corpus {
    /** A message longer than this quotes too much of the file. */
    static final int MAX_MESSAGE = 2000;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Corpus() {}

    /** What a mutated file may do. */
    public enum Expect {
        /** Only a clean error: the file is broken in a way the library must see. */
        REJECT,
        /** A clean error, or a run whose output is exactly the original file's. */
        SAME,
        /** A clean error or any run (the mutation makes another valid file or changes only weights). */
        CLEAN
    }

    /** One mutant: named by the mutation, it turns the original bytes into the mutated ones. */
    public record Case(String name, Expect expect, UnaryOperator<byte[]> mutation) {}

    /** Loads a file and runs it; returns the output to compare with the original's. */
    public interface Runner {
        String run(Path file) throws IOException;
    }

    /**
     * Runs file (the mutant, already in place) and checks the outcome against the expectation.
     * Cases listed in knownDefects (name to the issue item that fixes them) are reported as skipped
     * while they fail, and fail once they pass, so the list cannot go stale.
     */
    public static void check(Case c, Path file, String expectedOutput, Runner runner, Map<String, String> knownDefects) {
        try {
            assertTimeoutPreemptively(TIMEOUT, () -> outcome(c, file, expectedOutput, runner),
                    () -> c.name() + ": no outcome within " + TIMEOUT.toSeconds() + " s");
        } catch (AssertionFailedError e) {
            String known = knownDefects.get(c.name());
            Assumptions.assumeTrue(known == null, () -> "known defect (" + known + "): " + e.getMessage());
            throw e;
        }
        if (knownDefects.containsKey(c.name())) {
            fail(c.name() + " is listed as a known defect (" + knownDefects.get(c.name())
                    + ") but gives a clean outcome now: remove it from the list");
        }
    }

    /** Writes the mutant into dir as a file of its own, checks it, deletes it. */
    public static void checkWritten(Case c, byte[] original, String expectedOutput, Path dir, String suffix, Runner runner,
            Map<String, String> knownDefects) throws IOException {
        Path file = dir.resolve("mutant" + suffix);
        Files.write(file, c.mutation().apply(original.clone()));
        try {
            check(c, file, expectedOutput, runner, knownDefects);
        } finally {
            // a mapping left open would keep the inode alive, never crash this process
            Files.deleteIfExists(file);
        }
    }

    private static void outcome(Case c, Path file, String expectedOutput, Runner runner) {
        String output;
        try {
            output = runner.run(file);
        } catch (ModelFormatException e) {
            assertCleanMessage(c, e);
            assertTrue(e.getMessage().contains(file.getFileName().toString()),
                    () -> c.name() + ": the message does not name the file: " + e.getMessage());
            return;
        } catch (UnsupportedOperationException | PromptTooLongException e) {
            assertCleanMessage(c, e);
            return;
        } catch (NonFiniteResultException e) {
            // Weights that overflow: NaN logits and non-finite embeddings are refused (issue 14 item 5).
            assertCleanMessage(c, e);
            return;
        } catch (Throwable t) {
            throw new AssertionFailedError(c.name() + ": " + t.getClass().getName() + " instead of a clean error: "
                    + truncated(t.getMessage()), t);
        }
        switch (c.expect()) {
            case REJECT -> fail(c.name() + ": the broken file loaded and ran, giving '" + truncated(output) + "'");
            case SAME -> assertEquals(expectedOutput, output, () -> c.name() + ": ran with another output");
            case CLEAN -> { }
        }
    }

    private static void assertCleanMessage(Case c, Throwable e) {
        String m = e.getMessage();
        assertTrue(m != null && !m.isBlank(), () -> c.name() + ": " + e.getClass().getSimpleName() + " without a message");
        assertTrue(m.length() <= MAX_MESSAGE, () -> c.name() + ": a message of " + m.length() + " characters: "
                + truncated(m));
    }

    private static String truncated(String s) {
        return s == null || s.length() <= 300 ? s : s.substring(0, 300) + "... (" + s.length() + " characters)";
    }
}
