package dev.llmaccel.spark;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.SparkSession;

/**
 * Where an executor finds a model file. A model path is a local path (the same on every host: a
 * shared mount, or a file baked into the image), a file URI, or a URI of any file system Hadoop
 * reads (hdfs:, s3a:, gs:, abfs:, http:, ...). The driver hands a URI of the last kind to
 * {@code SparkContext.addFile}, so Spark copies it to each executor once; a file a user added
 * that way by hand is found under its name as well.
 */
final class ModelFiles {
    private ModelFiles() {}

    /** Whether path names a file Spark must copy to the executors (a URI of a file system other than the local one). */
    static boolean isRemote(String path) {
        String scheme = scheme(path);
        return scheme != null && !scheme.equals("file") && !scheme.equals("local");
    }

    /** On the driver: has Spark distribute a remote model file (a no-op for a local path). */
    static void distribute(SparkSession spark, String path) {
        if (isRemote(path)) {
            spark.sparkContext().addFile(path);
        }
    }

    /**
     * On an executor: the local file of a model path, itself when it exists here, else the copy
     * {@code SparkContext.addFile} made of a file of that name.
     *
     * @throws IOException naming the path and the places looked in when neither exists
     */
    static Path local(String path) throws IOException {
        String name = fileName(path);
        if (!isRemote(path)) {
            Path p = localPath(path);
            if (Files.exists(p)) {
                return p;
            }
        }
        Path added = sparkFile(name);
        if (added != null && Files.exists(added)) {
            return added;
        }
        throw new IOException("model file not found: " + path + " (neither a path on this host nor a file added with"
                + " SparkContext.addFile" + (added != null ? ", looked for " + added : "") + ")");
    }

    private static Path localPath(String path) {
        if (path.startsWith("file:") || path.startsWith("local:")) {
            try {
                return Path.of(new URI(path.startsWith("local:") ? "file:" + path.substring("local:".length()) : path));
            } catch (URISyntaxException | IllegalArgumentException e) {
                return Path.of(path.substring(path.indexOf(':') + 1));
            }
        }
        return Path.of(path);
    }

    /** Where SparkFiles keeps an added file of this name, or null outside a Spark JVM. */
    private static Path sparkFile(String name) {
        try {
            return Path.of(SparkFiles.get(name));
        } catch (RuntimeException e) {
            return null;  // no SparkEnv here: not an executor
        }
    }

    private static String fileName(String path) {
        String p = path;
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.substring(p.lastIndexOf('/') + 1);
    }

    /** The scheme of a URI ("hdfs"), or null for a plain path (a Windows drive letter is no scheme). */
    private static String scheme(String path) {
        int colon = path.indexOf(':');
        if (colon < 2) {
            return null;
        }
        String scheme = path.substring(0, colon);
        return scheme.matches("[A-Za-z][A-Za-z0-9+.-]*") ? scheme.toLowerCase(java.util.Locale.ROOT) : null;
    }
}
