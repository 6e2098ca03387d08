package dev.llmaccel.format.gguf;

import dev.llmaccel.format.ModelFormatException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A GGUF file's header, metadata and tensor infos, read and validated as llama.cpp's reference
 * reader (ggml's gguf.cpp) does: magic and version; counts, string and array lengths checked
 * against the bytes left before anything is allocated; unique non-empty keys and unique tensor
 * names; 0 to 4 non-negative dimensions whose element count fits a long; known tensor types with
 * rows a multiple of the block size; a power-of-two alignment; tensors contiguous in file order,
 * each at an aligned offset, and inside the file.
 *
 * @param version 2 or 3
 * @param alignment the data alignment in bytes
 * @param dataOffset where the data section starts in the file
 * @param metadata the metadata in file order
 * @param tensors the tensor infos in file order, with absolute offsets
 */
record GgufHeader(int version, long alignment, long dataOffset, Map<String, GgufValue> metadata,
                  List<GgufTensorInfo> tensors) {

    /** A metadata value: its type and its Java form (a {@link GgufArray} for ARRAY). */
    record GgufValue(GgufValueType type, Object value) {}

    /** A tensor info as the file states it, its offset still relative to the data section. */
    private record StatedTensor(String name, GgmlType type, long[] dims, long relativeOffset, long bytes) {}

    static GgufHeader read(FileChannel channel, Path path) throws IOException {
        FileCursor in = new FileCursor(channel, path);
        in.context("the magic");
        if (in.size() < 4) {
            throw in.error("not a GGUF file: only " + in.size() + " bytes");
        }
        int magic = in.i32();
        if (magic != GgufLayout.MAGIC) {
            throw in.error("not a GGUF file: it starts with " + printable(magic) + ", not 'GGUF'");
        }
        in.context("the version");
        int version = in.i32();
        checkVersion(in, version);

        in.context("the tensor and metadata counts");
        long tensorCount = in.i64();
        long kvCount = in.i64();
        checkCounts(in, tensorCount, kvCount);

        Map<String, GgufValue> metadata = readMetadata(in, kvCount);
        long alignment = alignment(in, metadata);
        List<StatedTensor> stated = readTensorInfos(in, tensorCount);

        // The reference pads to the alignment before the data only when there are tensors.
        long dataOffset = in.position() + (tensorCount > 0 ? GgufLayout.padding(in.position(), alignment) : 0);
        if (dataOffset > in.size()) {
            throw fail(path, "the data section would start at byte " + dataOffset + ", beyond the end of the file ("
                    + in.size() + " bytes)");
        }
        List<GgufTensorInfo> tensors = place(path, in.size(), stated, dataOffset, alignment);
        return new GgufHeader(version, alignment, dataOffset, metadata, List.copyOf(tensors));
    }

    private static void checkVersion(FileCursor in, int version) throws ModelFormatException {
        if (version == 1) {
            throw in.error("GGUF version 1 is no longer supported (only versions 2 and 3); convert the file again");
        }
        if (version != 0 && (version & 0xFFFF) == 0) {
            throw in.error("GGUF version " + Integer.toUnsignedString(version)
                    + " looks byte-swapped: big-endian GGUF files are not supported");
        }
        if (version != 2 && version != 3) {
            throw in.error("unsupported GGUF version " + Integer.toUnsignedString(version) + " (only versions 2 and 3)");
        }
    }

    /** Each entry takes some bytes, so counts that the rest of the file cannot hold are forged. */
    private static void checkCounts(FileCursor in, long tensorCount, long kvCount) throws ModelFormatException {
        long left = in.remaining();
        if (tensorCount < 0 || tensorCount > left / GgufLayout.MIN_TENSOR_INFO_BYTES) {
            throw in.error("the tensor count " + Long.toUnsignedString(tensorCount) + " cannot fit in the " + left
                    + " bytes left (each tensor info takes at least " + GgufLayout.MIN_TENSOR_INFO_BYTES + ")");
        }
        if (kvCount < 0 || kvCount > left / GgufLayout.MIN_KV_BYTES) {
            throw in.error("the metadata count " + Long.toUnsignedString(kvCount) + " cannot fit in the " + left
                    + " bytes left (each entry takes at least " + GgufLayout.MIN_KV_BYTES + ")");
        }
        if (tensorCount * GgufLayout.MIN_TENSOR_INFO_BYTES + kvCount * GgufLayout.MIN_KV_BYTES > left) {
            throw in.error(tensorCount + " tensor infos and " + kvCount + " metadata entries cannot fit in the "
                    + left + " bytes left");
        }
    }

    private static Map<String, GgufValue> readMetadata(FileCursor in, long kvCount) throws IOException {
        // Grown as read, not presized: the count is only bounded by the file's size.
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            in.context("the key of metadata entry " + i);
            String key = in.string();
            if (key.isEmpty()) {
                throw in.error("metadata entry " + i + " has an empty key");
            }
            if (metadata.containsKey(key)) {
                throw in.error("duplicate metadata key " + ModelFormatException.quote(key));
            }
            in.context("the value of key " + ModelFormatException.quote(key));
            int typeId = in.i32();
            GgufValueType type = GgufValueType.fromId(typeId);
            if (type == null) {
                throw in.error("key " + ModelFormatException.quote(key) + " has unknown value type " + typeId);
            }
            metadata.put(key, new GgufValue(type, GgufValues.read(in, type)));
        }
        return metadata;
    }

    private static long alignment(FileCursor in, Map<String, GgufValue> metadata) throws ModelFormatException {
        GgufValue v = metadata.get(GgufLayout.ALIGNMENT_KEY);
        if (v == null) {
            return GgufLayout.DEFAULT_ALIGNMENT;
        }
        if (v.type() != GgufValueType.UINT32) {
            throw fail(in.path(), "'" + GgufLayout.ALIGNMENT_KEY + "' is " + v.type() + ", must be UINT32");
        }
        long alignment = (Long) v.value();
        if (!GgufLayout.isValidAlignment(alignment)) {
            throw fail(in.path(), "'" + GgufLayout.ALIGNMENT_KEY + "' is " + alignment
                    + ", must be a power of two no larger than " + GgufLayout.MAX_ALIGNMENT);
        }
        return alignment;
    }

    private static List<StatedTensor> readTensorInfos(FileCursor in, long tensorCount) throws IOException {
        List<StatedTensor> infos = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            in.context("the name of tensor info " + i);
            String name = in.string();
            if (name.getBytes(StandardCharsets.UTF_8).length > GgufLayout.MAX_NAME_BYTES) {
                throw in.error("tensor name " + ModelFormatException.quote(name) + " is longer than ggml's " + GgufLayout.MAX_NAME_BYTES + " bytes");
            }
            if (!names.add(name)) {
                throw in.error("duplicate tensor name " + ModelFormatException.quote(name));
            }
            in.context("the info of tensor " + ModelFormatException.quote(name));
            int dimCount = in.i32();
            if (dimCount < 0 || dimCount > GgufLayout.MAX_DIMS) {
                throw in.error("tensor " + ModelFormatException.quote(name) + " has " + Integer.toUnsignedString(dimCount)
                        + " dimensions, at most " + GgufLayout.MAX_DIMS + " are allowed");
            }
            long[] dims = new long[dimCount];
            for (int d = 0; d < dimCount; d++) {
                dims[d] = in.i64();
                if (dims[d] < 0) {
                    throw in.error("tensor " + ModelFormatException.quote(name) + " has negative dimension " + dims[d]);
                }
            }
            int typeId = in.i32();
            GgmlType type = GgmlType.fromId(typeId);
            if (type == null) {
                throw in.error("tensor " + ModelFormatException.quote(name) + " has unknown ggml type id " + typeId);
            }
            long bytes = checkedBytes(in, name, type, dims);
            long relativeOffset = in.i64();
            infos.add(new StatedTensor(name, type, dims, relativeOffset, bytes));
        }
        return infos;
    }

    private static long checkedBytes(FileCursor in, String name, GgmlType type, long[] dims) throws ModelFormatException {
        try {
            GgufLayout.elements(dims);
        } catch (ArithmeticException e) {
            throw in.error("tensor " + ModelFormatException.quote(name) + " has dimensions " + Arrays.toString(dims)
                    + " whose element count overflows 64 bits");
        }
        long rowLength = dims.length == 0 ? 1 : dims[0];
        if (rowLength % type.blockSize() != 0) {
            throw in.error("tensor " + ModelFormatException.quote(name) + " of " + type + " has rows of " + rowLength
                    + " values, not a multiple of the block size " + type.blockSize());
        }
        try {
            return GgufLayout.bytes(type, dims);
        } catch (ArithmeticException e) {
            throw in.error("tensor " + ModelFormatException.quote(name) + " of " + type + " " + Arrays.toString(dims)
                    + " has a byte size that overflows 64 bits");
        }
    }

    /** Checks that the tensors lie aligned, contiguous and inside the file, as the reference requires. */
    private static List<GgufTensorInfo> place(Path path, long fileSize, List<StatedTensor> stated, long dataOffset,
                                              long alignment) throws ModelFormatException {
        List<GgufTensorInfo> tensors = new ArrayList<>(stated.size());
        long dataBytes = fileSize - dataOffset;
        long expected = 0;
        String previous = null;
        for (StatedTensor t : stated) {
            long offset = t.relativeOffset();
            String what = "tensor " + ModelFormatException.quote(t.name()) + " at data offset " + Long.toUnsignedString(offset);
            if (offset < 0 || offset > dataBytes) {
                throw fail(path, what + " starts beyond the end of the file (the data section holds " + dataBytes + " bytes)");
            }
            if (offset % alignment != 0) {
                throw fail(path, what + " is not aligned to " + alignment + " bytes");
            }
            if (offset < expected) {
                throw fail(path, what + " overlaps tensor " + ModelFormatException.quote(previous) + ", which ends (padded) at " + expected);
            }
            if (offset > expected) {
                throw fail(path, what + " leaves a gap after the previous data, which ends (padded) at " + expected
                        + "; tensors must be contiguous");
            }
            if (t.bytes() > dataBytes - offset) {
                throw fail(path, what + " needs " + t.bytes() + " bytes, but the file ends "
                        + (dataBytes - offset) + " bytes after its start");
            }
            tensors.add(new GgufTensorInfo(t.name(), t.type().id(), t.dims(), dataOffset + offset, t.bytes()));
            expected = offset + t.bytes() + GgufLayout.padding(t.bytes(), alignment);
            previous = t.name();
        }
        return tensors;
    }

    private static ModelFormatException fail(Path path, String message) {
        return new ModelFormatException(path + ": " + message);
    }

    private static String printable(int magic) {
        StringBuilder s = new StringBuilder("'");
        for (int i = 0; i < 4; i++) {
            int c = (magic >>> (8 * i)) & 0xFF;
            s.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return s.append("'").toString();
    }
}
