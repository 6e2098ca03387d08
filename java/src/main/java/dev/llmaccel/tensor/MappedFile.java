package dev.llmaccel.tensor;

import dev.llmaccel.binding.cpu.CpuRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A whole file mapped read-only into native memory (no size limit, nothing copied onto the Java
 * heap). Tensors made with {@link Tensor#mapped} view it; closing the file invalidates them.
 */
public final class MappedFile implements AutoCloseable {
    private final Path path;
    private final HostStorage storage;

    private MappedFile(Path path, HostStorage storage) {
        this.path = path;
        this.storage = storage;
    }

    /** Maps the file read-only. */
    public static MappedFile open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("not a regular file: " + path);
        }
        long[] address = new long[1];
        long[] bytes = new long[1];
        int status = CpuRuntime.llm_file_map(address, bytes, path.toAbsolutePath().toString());
        if (status != 0) {
            throw new IOException("cannot map " + path);
        }
        long a = address[0];
        long n = bytes[0];
        return new MappedFile(path, HostStorage.readOnly(a, n, () -> CpuRuntime.llm_file_unmap(a, n)));
    }

    public Path path() {
        return path;
    }

    /** The file's size in bytes. */
    public long size() {
        return storage.bytes();
    }

    /** Reads length bytes at offset. */
    public byte[] read(long offset, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        byte[] out = new byte[length];
        storage.read(offset, out);
        return out;
    }

    Storage storage() {
        return storage;
    }

    public boolean isOpen() {
        return storage.isOpen();
    }

    @Override
    public void close() {
        storage.close();
    }

}
