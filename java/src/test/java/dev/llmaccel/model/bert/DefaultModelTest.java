package dev.llmaccel.model.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How Embedder.load() finds the default model: the message when it is absent, the cache of the extracted file. */
class DefaultModelTest {
    @TempDir
    Path dir;

    @Test
    void aMissingModelNamesTheArtifactToAdd() throws IOException {
        try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
            IOException e = assertThrows(IOException.class,
                    () -> DefaultModel.resource(Embedder.DEFAULT_ONNX_RESOURCE, empty));
            assertTrue(e.getMessage().contains("dev.llmaccel:llmaccel-all-minilm-l6-v2"), e.getMessage());
            assertTrue(e.getMessage().contains("Embedder.load(Path)"), e.getMessage());
        }
    }

    @Test
    void aFileOnTheClassPathIsUsedInPlace() throws IOException {
        Path file = Files.write(dir.resolve("model.onnx"), new byte[] {1, 2, 3});
        DefaultModel.LocalFile local = DefaultModel.localFile(file.toUri().toURL(), dir.resolve("cache"));
        assertEquals(file, local.path());
        assertFalse(local.temporary());
        assertFalse(Files.exists(dir.resolve("cache")));
    }

    @Test
    void aFileInAJarIsExtractedOnceUnderItsSizeAndChecksum() throws Exception {
        byte[] bytes = randomBytes(300_000);
        URL url = entryInJar("model.onnx", bytes);
        Path cache = dir.resolve("cache");

        DefaultModel.LocalFile first = DefaultModel.localFile(url, cache);
        assertFalse(first.temporary());
        assertEquals(cache, first.path().getParent());
        assertTrue(first.path().getFileName().toString().matches("model-300000-[0-9a-f]{8}\\.onnx"), first.path().toString());
        assertArrayEquals(bytes, Files.readAllBytes(first.path()));

        // a second load finds it and writes nothing
        FileTime marked = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Files.setLastModifiedTime(first.path(), marked);
        DefaultModel.LocalFile second = DefaultModel.localFile(url, cache);
        assertEquals(first.path(), second.path());
        assertEquals(marked, Files.getLastModifiedTime(second.path()));
        assertEquals(List.of(first.path()), list(cache));
    }

    @Test
    void anotherVersionOfTheFileIsAnotherCacheEntry() throws Exception {
        Path cache = dir.resolve("cache");
        Path a = DefaultModel.localFile(entryInJar("model.onnx", randomBytes(1000)), cache).path();
        Path b = DefaultModel.localFile(entryInJar("model.onnx", randomBytes(1001)), cache).path();
        assertFalse(a.equals(b));
        assertEquals(2, list(cache).size());
    }

    @Test
    void aTruncatedCacheEntryIsReplaced() throws Exception {
        byte[] bytes = randomBytes(50_000);
        URL url = entryInJar("model.onnx", bytes);
        Path cache = dir.resolve("cache");
        Path cached = DefaultModel.localFile(url, cache).path();
        Files.write(cached, new byte[] {9, 9});  // as a disk that filled up would leave it
        assertEquals(cached, DefaultModel.localFile(url, cache).path());
        assertArrayEquals(bytes, Files.readAllBytes(cached));
    }

    @Test
    void concurrentLoadsAllGetTheWholeFileAndLeaveNoPartialOne() throws Exception {
        byte[] bytes = randomBytes(2_000_000);
        URL url = entryInJar("model.onnx", bytes);
        Path cache = dir.resolve("cache");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Callable<Path> extract = () -> {
                    Path p = DefaultModel.localFile(url, cache).path();
                    assertArrayEquals(bytes, Files.readAllBytes(p));  // whole the moment it is returned
                    return p;
                };
                results.add(pool.submit(extract));
            }
            Path first = results.get(0).get();
            for (Future<Path> f : results) {
                assertEquals(first, f.get());
            }
            assertEquals(List.of(first), list(cache));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anUnwritableCacheFolderFallsBackToATemporaryFile() throws Exception {
        byte[] bytes = randomBytes(10_000);
        Path notAFolder = Files.write(dir.resolve("file"), new byte[0]);
        DefaultModel.LocalFile local = DefaultModel.localFile(entryInJar("model.onnx", bytes), notAFolder.resolve("cache"));
        try {
            assertTrue(local.temporary());
            assertArrayEquals(bytes, Files.readAllBytes(local.path()));
        } finally {
            Files.deleteIfExists(local.path());
        }
    }

    @Test
    void theCacheFolderComesFromTheSystemProperty() {
        String before = System.getProperty(DefaultModel.CACHE_PROPERTY);
        try {
            System.setProperty(DefaultModel.CACHE_PROPERTY, dir.toString());
            assertEquals(dir, DefaultModel.cacheFolder());
        } finally {
            if (before == null) {
                System.clearProperty(DefaultModel.CACHE_PROPERTY);
            } else {
                System.setProperty(DefaultModel.CACHE_PROPERTY, before);
            }
        }
    }

    /** The real model: the second load maps the file the first extracted (the build points the cache into target/). */
    @Test
    void theDefaultModelIsExtractedOnceAcrossLoads() throws IOException {
        URL onnx = Embedder.class.getClassLoader().getResource(Embedder.DEFAULT_ONNX_RESOURCE);
        assumeTrue(onnx != null && onnx.getProtocol().equals("jar"),
                () -> "skipped: the default model is not in a jar here (" + onnx + "), so nothing is extracted");
        try (Backend cpu = Backends.cpu()) {
            float[] first;
            try (Embedder e = Embedder.load(EmbedderOptions.defaults().withBackend(cpu))) {
                first = e.embed("A cat sits on the mat.");
            }
            Path cached;
            try (Stream<Path> files = Files.list(DefaultModel.cacheFolder())) {
                cached = files.filter(p -> p.getFileName().toString().startsWith("all-minilm-l6-v2-")).findFirst().orElseThrow();
            }
            FileTime marked = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
            Files.setLastModifiedTime(cached, marked);
            try (Embedder e = Embedder.load(EmbedderOptions.defaults().withBackend(cpu))) {
                assertArrayEquals(first, e.embed("A cat sits on the mat."));
            }
            assertEquals(marked, Files.getLastModifiedTime(cached));
        }
    }

    private URL entryInJar(String name, byte[] bytes) throws IOException {
        Path jar = Files.createTempFile(dir, "model", ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry(name));
            out.write(bytes);
            out.closeEntry();
        }
        return new URL("jar:" + jar.toUri() + "!/" + name);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static List<Path> list(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.sorted().toList();
        }
    }
}
