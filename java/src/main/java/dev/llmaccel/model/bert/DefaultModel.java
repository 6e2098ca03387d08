package dev.llmaccel.model.bert;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.zip.CRC32;

/**
 * Where {@link Embedder#load()} finds the default model: its two files on the class path (the
 * artifact {@value #ARTIFACT} carries them), and a local file to map the ONNX weights from.
 *
 * <p>A file on the class path that is a plain file (an exploded folder) is mapped where it is. One
 * inside a jar is extracted once into the cache folder ({@value #CACHE_PROPERTY}, else
 * {@value #CACHE_ENVIRONMENT}, else {@code $XDG_CACHE_HOME/llmaccel} or {@code ~/.cache/llmaccel})
 * under a name made of its size and CRC-32 from the jar's directory, so another model version is
 * another file and finding the cached one costs no read of its bytes. Extraction writes a
 * temporary file in the same folder, checks its size and CRC-32 and renames it into place
 * atomically: JVMs that extract at the same time each write a whole identical file, the last
 * rename wins, and no reader ever sees part of one. Where the cache folder cannot be written, the
 * file goes to a temporary file that the caller deletes after loading.
 */
final class DefaultModel {
    /** The Maven coordinates of the default model's artifact (same version as the core). */
    static final String ARTIFACT = "dev.llmaccel:llmaccel-all-minilm-l6-v2";
    /** System property naming the cache folder. */
    static final String CACHE_PROPERTY = "llmaccel.cache.dir";
    /** Environment variable naming the cache folder (the system property wins). */
    static final String CACHE_ENVIRONMENT = "LLMACCEL_CACHE_DIR";
    /** A partial extraction older than this was left by a JVM that died: it is deleted. */
    private static final Duration STALE_PART = Duration.ofHours(1);
    private static final System.Logger LOG = System.getLogger("dev.llmaccel");

    private DefaultModel() {}

    /** A local copy of a class-path file; a temporary one is the caller's to delete after use. */
    record LocalFile(Path path, boolean temporary) {}

    /**
     * The URL of a default-model file, from the first of loaders that has it.
     *
     * @throws IOException naming the artifact to add when none has it
     */
    static URL resource(String name, ClassLoader... loaders) throws IOException {
        Set<ClassLoader> tried = new LinkedHashSet<>();
        for (ClassLoader loader : loaders) {
            if (loader != null && tried.add(loader)) {
                URL url = loader.getResource(name);
                if (url != null) {
                    return url;
                }
            }
        }
        String version = DefaultModel.class.getPackage().getImplementationVersion();
        throw new IOException("the default embedding model (" + Embedder.DEFAULT_MODEL_NAME + ", " + name
                + ") is not on the class path: add the Maven artifact " + ARTIFACT + ":"
                + (version != null ? version : "<the version of dev.llmaccel:llmaccel>")
                + " to your dependencies, or load a model file with Embedder.load(Path)");
    }

    /** The cache folder the settings name, else the user's cache folder. */
    static Path cacheFolder() {
        String configured = System.getProperty(CACHE_PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(CACHE_ENVIRONMENT);
        }
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured.trim());
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("llmaccel");
    }

    /** The file behind url: itself when it is a plain file, else its extraction in cacheFolder. */
    static LocalFile localFile(URL url, Path cacheFolder) throws IOException {
        if (url.getProtocol().equals("file")) {
            try {
                return new LocalFile(Path.of(url.toURI()), false);
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new IOException("cannot read " + url + " as a file: " + e.getMessage(), e);
            }
        }
        URLConnection connection = url.openConnection();
        long size = -1;
        long crc = -1;
        if (connection instanceof JarURLConnection jar) {
            JarEntry entry = jar.getJarEntry();
            size = entry.getSize();
            crc = entry.getCrc();
        }
        String name = fileName(url);
        if (size < 0 || crc < 0) {
            return temporaryCopy(url, name, "its size and checksum are unknown");
        }
        Path cached = cacheFolder.resolve(cachedName(name, size, crc));
        try {
            if (Files.size(cached) == size) {
                return new LocalFile(cached, false);
            }
        } catch (IOException e) {
            // not extracted yet, or no folder to hold it: extract() tells which
        }
        try {
            extract(url, cached, size, crc);
            return new LocalFile(cached, false);
        } catch (IOException e) {
            if (e instanceof CorruptExtractionException) {
                throw e;
            }
            return temporaryCopy(url, name, "the cache folder " + cacheFolder + " cannot be written (" + e + ")");
        }
    }

    /** "all-minilm-l6-v2.onnx" of size 90387606 and CRC-32 d89d07a7: "all-minilm-l6-v2-90387606-d89d07a7.onnx". */
    static String cachedName(String name, long size, long crc) {
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String extension = dot > 0 ? name.substring(dot) : "";
        return stem + "-" + size + "-" + String.format(Locale.ROOT, "%08x", crc) + extension;
    }

    private static String fileName(URL url) {
        String path = url.getPath();
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** Writes url's bytes to a temporary file beside target, checks them, renames it to target. */
    private static void extract(URL url, Path target, long size, long crc) throws IOException {
        Path folder = target.getParent();
        Files.createDirectories(folder);
        deleteStaleParts(folder);
        Path part = Files.createTempFile(folder, target.getFileName().toString(), ".part");
        try {
            CRC32 written = new CRC32();
            long count = copy(url, part, written);
            if (count != size || written.getValue() != crc) {
                throw new CorruptExtractionException(url + " read as " + count + " bytes with CRC-32 "
                        + Long.toHexString(written.getValue()) + "; the jar's directory says " + size + " bytes, CRC-32 "
                        + Long.toHexString(crc) + " (a damaged jar?)");
            }
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
            }
            LOG.log(System.Logger.Level.DEBUG, () -> "extracted " + url + " to " + target);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    private static LocalFile temporaryCopy(URL url, String name, String why) throws IOException {
        LOG.log(System.Logger.Level.INFO, () -> "extracting " + name + " to a temporary file on every load: " + why);
        Path file = Files.createTempFile("llmaccel-", "-" + name);
        try {
            copy(url, file, new CRC32());
            return new LocalFile(file, true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    private static long copy(URL url, Path to, CRC32 crc) throws IOException {
        byte[] buffer = new byte[1 << 16];
        long count = 0;
        try (InputStream in = url.openStream(); OutputStream out = Files.newOutputStream(to)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                crc.update(buffer, 0, n);
                out.write(buffer, 0, n);
                count += n;
            }
        }
        return count;
    }

    /** Deletes partial extractions that a JVM killed while extracting left behind. */
    private static void deleteStaleParts(Path folder) {
        FileTime before = FileTime.from(Instant.now().minus(STALE_PART));
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(folder, "*.part")) {
            for (Path p : parts) {
                if (Files.getLastModifiedTime(p).compareTo(before) < 0) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            // another JVM's clean-up, or an unreadable folder: extraction goes on regardless
        }
    }

    /** The bytes read from the jar are not the ones its directory describes: no cache, and no copy, can help. */
    private static final class CorruptExtractionException extends IOException {
        CorruptExtractionException(String message) {
            super(message);
        }
    }
}
