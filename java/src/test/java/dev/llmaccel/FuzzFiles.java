package dev.llmaccel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * For fuzz targets whose reader takes a path: each input is written to one scratch file per
 * suffix (rewritten on every run, so a fuzzing run of millions of inputs leaves one file).
 */
public final class FuzzFiles {
    private static final Path DIR = createDir();

    private FuzzFiles() {}

    /** The file holding data, named by suffix (".gguf", ".onnx", ...). */
    public static Path write(String suffix, byte[] data) throws IOException {
        Path file = DIR.resolve("input" + suffix);
        Files.write(file, data);
        return file;
    }

    private static Path createDir() {
        try {
            Path dir = Files.createTempDirectory("llmaccel-fuzz");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
