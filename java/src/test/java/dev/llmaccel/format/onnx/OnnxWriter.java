package dev.llmaccel.format.onnx;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes small ONNX models for tests: a ModelProto with an IR version and a graph of nodes,
 * initializers and Constant nodes, encoded in the protobuf wire format by hand (field numbers as in
 * onnx.proto).
 */
public final class OnnxWriter {
    private final Message graph = new Message();

    /** An initializer holding floats as raw_data. */
    public OnnxWriter floatInitializer(String name, float[] values, long... dims) {
        graph.message(5, floatTensor(name, values, dims, true));
        return this;
    }

    /** An initializer holding floats in the packed float_data field. */
    public OnnxWriter floatDataInitializer(String name, float[] values, long... dims) {
        graph.message(5, floatTensor(name, values, dims, false));
        return this;
    }

    /** An int64 initializer in the packed int64_data field. */
    public OnnxWriter int64Initializer(String name, long[] values, long... dims) {
        Message t = dims(dims);
        t.varint(2, OnnxTensorInfo.INT64);
        Message packed = new Message();
        for (long v : values) {
            packed.rawVarint(v);
        }
        t.bytes(7, packed.toByteArray());
        t.string(8, name);
        graph.message(5, t);
        return this;
    }

    /** A node; inputs and outputs are value names. */
    public OnnxWriter node(String name, String opType, String[] inputs, String[] outputs) {
        Message n = new Message();
        for (String in : inputs) {
            n.string(1, in);
        }
        for (String out : outputs) {
            n.string(2, out);
        }
        n.string(3, name);
        n.string(4, opType);
        graph.message(1, n);
        return this;
    }

    /** A Constant node whose value attribute is a float tensor (a scalar when dims is empty). */
    public OnnxWriter constant(String name, String output, float[] values, long... dims) {
        Message n = new Message();
        n.string(2, output);
        n.string(3, name);
        n.string(4, "Constant");
        Message attribute = new Message();
        attribute.string(1, "value");
        attribute.message(5, floatTensor("", values, dims, true));
        attribute.varint(20, 4);  // AttributeProto.TENSOR
        n.message(5, attribute);
        graph.message(1, n);
        return this;
    }

    /** The whole model as bytes. */
    public byte[] toByteArray() {
        Message model = new Message();
        model.varint(1, 8);  // ir_version
        model.string(2, "llmaccel-test");
        Message opset = new Message();
        opset.varint(2, 14);
        model.message(8, opset);
        Message g = new Message();
        g.append(graph);
        g.string(2, "test-graph");
        model.message(7, g);
        return model.toByteArray();
    }

    public void write(Path path) throws IOException {
        Files.write(path, toByteArray());
    }

    private static Message floatTensor(String name, float[] values, long[] dims, boolean raw) {
        Message t = dims(dims);
        t.varint(2, OnnxTensorInfo.FLOAT);
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        if (raw) {
            if (!name.isEmpty()) {
                t.string(8, name);
            }
            t.bytes(9, b.array());
        } else {
            t.bytes(4, b.array());
            t.string(8, name);
        }
        return t;
    }

    /** A TensorProto message with its dims written unpacked, as onnx.proto declares them. */
    private static Message dims(long[] dims) {
        Message t = new Message();
        for (long d : dims) {
            t.varint(1, d);
        }
        return t;
    }

    /** A protobuf message being encoded. */
    static final class Message {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void rawVarint(long v) {
            while ((v & ~0x7fL) != 0) {
                out.write((int) ((v & 0x7f) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        void varint(int field, long v) {
            rawVarint((long) field << 3);
            rawVarint(v);
        }

        void bytes(int field, byte[] b) {
            rawVarint(((long) field << 3) | 2);
            rawVarint(b.length);
            out.writeBytes(b);
        }

        void string(int field, String s) {
            bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        void message(int field, Message m) {
            bytes(field, m.toByteArray());
        }

        void append(Message m) {
            out.writeBytes(m.toByteArray());
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
