package dev.llmaccel.format.safetensors;

import dev.llmaccel.tensor.Codec;
import dev.llmaccel.tensor.DType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes small safetensors files for tests (F32, F16 or BF16 tensors, header padded to 8 bytes). */
public final class SafetensorsWriter {
    private final Map<String, byte[]> data = new LinkedHashMap<>();
    private final Map<String, String> types = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();

    public SafetensorsWriter add(String name, DType dtype, float[] values, long... shape) {
        String type = switch (dtype) {
            case F32 -> "F32";
            case F16 -> "F16";
            case BF16 -> "BF16";
            default -> throw new IllegalArgumentException(dtype.toString());
        };
        byte[] bytes;
        if (dtype == DType.F32) {
            ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : values) {
                b.putFloat(v);
            }
            bytes = b.array();
        } else {
            bytes = Codec.encode(dtype, values);
        }
        data.put(name, bytes);
        types.put(name, type);
        shapes.put(name, shape.clone());
        return this;
    }

    /** The header JSON as this writer makes it (for tests that alter it). */
    public String header() {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (String name : data.keySet()) {
            long end = offset + data.get(name).length;
            h.append(",\"").append(name).append("\":{\"dtype\":\"").append(types.get(name)).append("\",\"shape\":")
                    .append(Arrays.toString(shapes.get(name)).replace(" ", "")).append(",\"data_offsets\":[")
                    .append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        return h.append('}').toString();
    }

    public byte[] toByteArray() {
        return withHeader(header());
    }

    /** The file with the given header text in place of the real one (the data stays). */
    public byte[] withHeader(String header) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        out.writeBytes(len.array());
        out.writeBytes(h);
        for (int i = h.length; i < padded; i++) {
            out.write(' ');
        }
        data.values().forEach(out::writeBytes);
        return out.toByteArray();
    }

    public void write(Path path) throws IOException {
        Files.write(path, toByteArray());
    }
}
