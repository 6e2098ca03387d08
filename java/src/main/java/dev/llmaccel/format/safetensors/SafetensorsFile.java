package dev.llmaccel.format.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.MappedFile;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face safetensors file: an 8-byte little-endian header length, a JSON header naming
 * each tensor's type, shape and byte range, then the tensors' bytes. The header is validated when
 * the file is opened (ranges inside the data section, sizes matching type × shape, no overlaps);
 * the data is memory-mapped and tensors view it without copying.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The format's own limit on the header, which also bounds what a garbled length can make us read. */
    private static final long MAX_HEADER_BYTES = 100L << 20;
    /** Strict as the reference reader (serde_json): nothing but the padding's spaces after the object. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path path;
    private final MappedFile file;
    private final long dataStart;
    private final Map<String, SafetensorsTensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, MappedFile file, long dataStart, Map<String, SafetensorsTensorInfo> tensors,
            Map<String, String> metadata) {
        this.path = path;
        this.file = file;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Reads and validates the header and maps the file.
     *
     * @throws ModelFormatException when the file is not a well-formed safetensors file
     */
    public static SafetensorsFile open(Path path) throws IOException {
        long size;
        byte[] header;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            size = channel.size();
            if (size < 8) {
                throw new ModelFormatException(path + ": " + size + " bytes is too short for a safetensors file");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.getLong(0);
            if (headerLength < 2 || headerLength > size - 8 || headerLength > MAX_HEADER_BYTES) {
                throw new ModelFormatException(path + ": header length " + Long.toUnsignedString(headerLength)
                        + " does not fit a file of " + size + " bytes");
            }
            ByteBuffer h = ByteBuffer.allocate((int) headerLength);
            readFully(channel, h, 8);
            header = h.array();
        }
        long dataStart = 8 + header.length;
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, SafetensorsTensorInfo> tensors = parseHeader(path, header, size - dataStart, metadata);
        MappedFile file = MappedFile.open(path);
        return new SafetensorsFile(path, file, dataStart, tensors, Collections.unmodifiableMap(metadata));
    }

    public Path path() {
        return path;
    }

    /** The header's {@code __metadata__} strings (empty when it has none). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The tensors in header order. */
    public List<SafetensorsTensorInfo> tensors() {
        return List.copyOf(tensors.values());
    }

    public boolean hasTensor(String name) {
        return tensors.containsKey(name);
    }

    public SafetensorsTensorInfo tensorInfo(String name) throws ModelFormatException {
        SafetensorsTensorInfo t = tensors.get(name);
        if (t == null) {
            throw new ModelFormatException(path + ": no tensor named " + ModelFormatException.quote(name));
        }
        return t;
    }

    /**
     * A read-only tensor viewing the mapped bytes of an F32, F16 or BF16 tensor; valid while this
     * file is open.
     */
    public Tensor tensor(String name) throws ModelFormatException {
        SafetensorsTensorInfo t = tensorInfo(name);
        DType dtype = switch (t.dtype()) {
            case "F32" -> DType.F32;
            case "F16" -> DType.F16;
            case "BF16" -> DType.BF16;
            default -> throw new ModelFormatException(path + ": tensor " + ModelFormatException.quote(name) + " has type " + t.dtype()
                    + "; only F32, F16 and BF16 are supported");
        };
        return Tensor.mapped(file, dataStart + t.begin(), dtype, t.shape());
    }

    @Override
    public void close() {
        file.close();
    }

    // ---- header ----------------------------------------------------------------------------------

    private static Map<String, SafetensorsTensorInfo> parseHeader(Path path, byte[] header, long dataBytes,
            Map<String, String> metadata) throws ModelFormatException {
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JacksonException e) {
            throw new ModelFormatException(path + ": header is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ModelFormatException(path + ": header cannot be read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(path + ": header is not a JSON object");
        }
        Map<String, SafetensorsTensorInfo> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                readMetadata(path, e.getValue(), metadata);
            } else {
                tensors.put(e.getKey(), readEntry(path, e.getKey(), e.getValue(), dataBytes));
            }
        }
        List<SafetensorsTensorInfo> byOffset = new ArrayList<>(tensors.values());
        byOffset.sort(Comparator.comparingLong(SafetensorsTensorInfo::begin));
        for (int i = 1; i < byOffset.size(); i++) {
            SafetensorsTensorInfo prev = byOffset.get(i - 1);
            SafetensorsTensorInfo cur = byOffset.get(i);
            if (cur.begin() < prev.end()) {
                throw new ModelFormatException(path + ": tensors " + ModelFormatException.quote(prev.name()) + " and " + ModelFormatException.quote(cur.name()) + " overlap");
            }
        }
        return tensors;
    }

    private static void readMetadata(Path path, JsonNode node, Map<String, String> metadata) throws ModelFormatException {
        if (!node.isObject()) {
            throw new ModelFormatException(path + ": __metadata__ is not an object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw new ModelFormatException(path + ": __metadata__ value " + ModelFormatException.quote(m.getKey()) + " is not a string");
            }
            metadata.put(m.getKey(), m.getValue().asText());
        }
    }

    private static SafetensorsTensorInfo readEntry(Path path, String name, JsonNode node, long dataBytes)
            throws ModelFormatException {
        String where = path + ": tensor " + ModelFormatException.quote(name);
        if (!node.isObject() || !node.path("dtype").isTextual() || !node.path("shape").isArray()
                || !node.path("data_offsets").isArray() || node.path("data_offsets").size() != 2) {
            throw new ModelFormatException(where + " needs dtype, shape and two data_offsets");
        }
        String dtype = node.get("dtype").asText();
        JsonNode shapeNode = node.get("shape");
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new ModelFormatException(where + " has an invalid dimension " + d);
            }
            shape[i] = d.asLong();
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException e) {
                throw new ModelFormatException(where + " has an element count that overflows");
            }
        }
        JsonNode b = node.get("data_offsets").get(0);
        JsonNode e = node.get("data_offsets").get(1);
        if (!b.isIntegralNumber() || !e.isIntegralNumber() || !b.canConvertToLong() || !e.canConvertToLong()) {
            throw new ModelFormatException(where + " has invalid data_offsets");
        }
        long begin = b.asLong();
        long end = e.asLong();
        if (begin < 0 || end < begin || end > dataBytes) {
            throw new ModelFormatException(where + " has bytes [" + begin + ", " + end + ") outside the "
                    + dataBytes + "-byte data section");
        }
        int elementBytes = elementBytes(dtype);
        if (elementBytes > 0 && (elements > end - begin || elements * elementBytes != end - begin)) {
            throw new ModelFormatException(where + " of type " + dtype + " and " + elements + " elements has "
                    + (end - begin) + " bytes");
        }
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    /** Bytes per element of a safetensors type, 0 when unknown (then its size is not checked). */
    private static int elementBytes(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> 0;
        };
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        long p = position;
        while (into.hasRemaining()) {
            int n = channel.read(into, p);
            if (n < 0) {
                throw new ModelFormatException("unexpected end of file at byte " + p);
            }
            p += n;
        }
    }
}
