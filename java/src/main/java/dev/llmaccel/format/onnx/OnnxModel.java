package dev.llmaccel.format.onnx;

import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.tensor.Codec;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights and graph of an ONNX model ({@code ModelProto}), read from the protobuf wire format
 * without generated classes: the graph's nodes (operator, inputs, outputs, name), its
 * initializers, and the tensors of its Constant nodes. What a model computes is not interpreted
 * here; a model loader maps these names to its own parameters.
 *
 * <p>The file is memory-mapped; tensor bytes are read from the mapping only when asked for. Every
 * length and count is checked against the bytes that remain, so a truncated or garbled file is a
 * {@link ModelFormatException} naming the file. Not supported: external data (models over 2 GB),
 * sparse initializers, segmented tensors.
 */
public final class OnnxModel implements AutoCloseable {
    private final Path path;
    private final String source;
    private ByteBuffer data;
    private final long irVersion;
    private final List<OnnxNode> nodes;
    private final Map<String, OnnxNode> nodesByName;
    private final Map<String, StoredTensor> tensors;
    private final List<OnnxTensorInfo> initializers;

    /** Where a tensor's values are: raw bytes in the file, or values decoded from typed fields. */
    private record StoredTensor(OnnxTensorInfo info, int rawStart, int rawLength, float[] floats, long[] ints,
            boolean external) {}

    private OnnxModel(Path path, ByteBuffer data, Parsed parsed) {
        this.path = path;
        this.source = path.toString();
        this.data = data;
        this.irVersion = parsed.irVersion;
        this.nodes = Collections.unmodifiableList(parsed.nodes);
        this.tensors = parsed.tensors;
        this.initializers = Collections.unmodifiableList(parsed.initializers);
        Map<String, OnnxNode> byName = new LinkedHashMap<>();
        for (OnnxNode n : parsed.nodes) {
            if (!n.name().isEmpty()) {
                byName.putIfAbsent(n.name(), n);
            }
        }
        this.nodesByName = byName;
    }

    /**
     * Maps and parses an ONNX file.
     *
     * @throws ModelFormatException when the file is not a well-formed ONNX model
     */
    public static OnnxModel open(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE) {
                throw new ModelFormatException(path + ": " + size + " bytes; an ONNX protobuf holds at most 2 GB"
                        + " (models with external data are not supported)");
            }
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            return new OnnxModel(path, mapped, new Parsed(mapped, (int) size, path.toString()));
        }
    }

    public Path path() {
        return path;
    }

    /** The ONNX IR version the file declares. */
    public long irVersion() {
        return irVersion;
    }

    /** The graph's nodes in file order (a topological order for valid models). */
    public List<OnnxNode> nodes() {
        return nodes;
    }

    /** The node with this name, or null. */
    public OnnxNode node(String name) {
        return nodesByName.get(name);
    }

    /** The nodes that read the value called valueName, in graph order. */
    public List<OnnxNode> consumers(String valueName) {
        List<OnnxNode> out = new ArrayList<>();
        for (OnnxNode n : nodes) {
            if (n.inputs().contains(valueName)) {
                out.add(n);
            }
        }
        return out;
    }

    /** The graph's initializers in file order. */
    public List<OnnxTensorInfo> initializers() {
        return initializers;
    }

    /** Whether name is an initializer or the output of a Constant node. */
    public boolean hasTensor(String name) {
        return tensors.containsKey(name);
    }

    public OnnxTensorInfo tensorInfo(String name) throws ModelFormatException {
        return stored(name).info();
    }

    /** The values of a float, float16, bfloat16 or double tensor as floats. */
    public float[] floats(String name) throws ModelFormatException {
        StoredTensor t = readable(name);
        OnnxTensorInfo info = t.info();
        int n = (int) info.elements();
        if (t.floats() != null) {
            return t.floats().clone();
        }
        if (t.ints() != null && (info.dataType() == OnnxTensorInfo.FLOAT16 || info.dataType() == OnnxTensorInfo.BFLOAT16)) {
            // half types in int32_data: one 16-bit pattern per value
            float[] out = new float[n];
            for (int i = 0; i < n; i++) {
                short bits = (short) t.ints()[i];
                out[i] = info.dataType() == OnnxTensorInfo.FLOAT16 ? Codec.halfToFloat(bits) : Codec.bf16ToFloat(bits);
            }
            return out;
        }
        switch (info.dataType()) {
            case OnnxTensorInfo.FLOAT -> {
                float[] out = new float[n];
                raw(t).asFloatBuffer().get(out);
                return out;
            }
            case OnnxTensorInfo.FLOAT16, OnnxTensorInfo.BFLOAT16 -> {
                byte[] bytes = new byte[t.rawLength()];
                raw(t).get(bytes);
                return Codec.decode(info.dataType() == OnnxTensorInfo.FLOAT16 ? DType.F16 : DType.BF16, bytes, n);
            }
            case OnnxTensorInfo.DOUBLE -> {
                float[] out = new float[n];
                ByteBuffer b = raw(t);
                for (int i = 0; i < n; i++) {
                    out[i] = (float) b.getDouble(8 * i);
                }
                return out;
            }
            default -> throw new ModelFormatException(source + ": tensor " + ModelFormatException.quote(name) + " has data type "
                    + info.dataType() + ", not a floating-point type");
        }
    }

    /** The values of an int64 or int32 tensor. */
    public long[] longs(String name) throws ModelFormatException {
        StoredTensor t = readable(name);
        if (t.ints() != null) {
            return t.ints().clone();
        }
        int n = (int) t.info().elements();
        long[] out = new long[n];
        switch (t.info().dataType()) {
            case OnnxTensorInfo.INT64 -> raw(t).asLongBuffer().get(out);
            case OnnxTensorInfo.INT32 -> {
                ByteBuffer b = raw(t);
                for (int i = 0; i < n; i++) {
                    out[i] = b.getInt(4 * i);
                }
            }
            default -> throw new ModelFormatException(source + ": tensor " + ModelFormatException.quote(name) + " has data type "
                    + t.info().dataType() + ", not an integer type");
        }
        return out;
    }

    /** A new F32 host tensor with a floating-point tensor's values and dims. */
    public Tensor tensor(String name) throws ModelFormatException {
        OnnxTensorInfo info = tensorInfo(name);
        return Tensor.of(floats(name), info.dims());
    }

    /**
     * A new F32 host tensor (b, a) holding the transpose of the rank-2 tensor (a, b). ONNX MatMul
     * computes x · W with W stored (in, out); this library's matmul takes weights (out, in).
     */
    public Tensor tensorTransposed(String name) throws ModelFormatException {
        OnnxTensorInfo info = tensorInfo(name);
        long[] dims = info.dims();
        if (dims.length != 2) {
            throw new ModelFormatException(source + ": tensor " + ModelFormatException.quote(name) + " has " + dims.length
                    + " dimensions; only a matrix can be transposed");
        }
        int rows = (int) dims[0];
        int cols = (int) dims[1];
        float[] w = floats(name);         // (rows, cols)
        float[] t = new float[w.length];  // (cols, rows)
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = w[r * cols + c];
            }
        }
        return Tensor.of(t, cols, rows);
    }

    /** Releases the mapping (the operating system unmaps it once it is unreachable). */
    @Override
    public void close() {
        data = null;
    }

    private StoredTensor stored(String name) throws ModelFormatException {
        StoredTensor t = tensors.get(name);
        if (t == null) {
            throw new ModelFormatException(source + ": no initializer or constant named " + ModelFormatException.quote(name));
        }
        return t;
    }

    private StoredTensor readable(String name) throws ModelFormatException {
        if (data == null) {
            throw new IllegalStateException(source + " is closed");
        }
        StoredTensor t = stored(name);
        if (t.external()) {
            throw new ModelFormatException(source + ": tensor " + ModelFormatException.quote(name) + " keeps its data in an external file,"
                    + " which is not supported");
        }
        if (t.floats() == null && t.ints() == null && t.rawStart() < 0 && t.info().elements() > 0) {
            throw new ModelFormatException(source + ": tensor " + ModelFormatException.quote(name) + " holds no data");
        }
        return t;
    }

    private ByteBuffer raw(StoredTensor t) throws ModelFormatException {
        if (t.rawStart() < 0) {
            throw new ModelFormatException(source + ": tensor '" + t.info().name() + "' of type " + t.info().dataType()
                    + " keeps its values in a field that does not match its type");
        }
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.position(t.rawStart()).limit(t.rawStart() + t.rawLength());
        return b.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    // ---- parsing ---------------------------------------------------------------------------------

    /** The result of one pass over ModelProto; field numbers follow onnx.proto. */
    private static final class Parsed {
        private final String source;
        long irVersion = -1;
        final List<OnnxNode> nodes = new ArrayList<>();
        final Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        final List<OnnxTensorInfo> initializers = new ArrayList<>();

        Parsed(ByteBuffer buffer, int size, String source) throws ModelFormatException {
            this.source = source;
            ProtoReader model = new ProtoReader(buffer, 0, size, source);
            boolean graph = false;
            while (model.hasMore()) {
                int field = model.nextField();
                if (field == 1 && model.wireType() == ProtoReader.VARINT) {          // ir_version
                    irVersion = model.readVarint();
                } else if (field == 7 && model.wireType() == ProtoReader.LENGTH_DELIMITED) {  // graph
                    if (graph) {
                        throw model.corrupt("more than one graph");
                    }
                    graph = true;
                    graph(model.readMessage());
                } else {
                    model.skip();
                }
            }
            if (!graph || irVersion < 1) {
                throw new ModelFormatException(source + ": not an ONNX model (" + (graph ? "no IR version" : "no graph") + ")");
            }
        }

        private void graph(ProtoReader g) throws ModelFormatException {
            while (g.hasMore()) {
                int field = g.nextField();
                if (field == 1) {                 // node
                    g.expect(ProtoReader.LENGTH_DELIMITED);
                    node(g.readMessage());
                } else if (field == 5) {          // initializer
                    g.expect(ProtoReader.LENGTH_DELIMITED);
                    StoredTensor t = tensor(g.readMessage(), null);
                    add(t, g);
                    initializers.add(t.info());
                } else if (field == 15) {         // sparse_initializer
                    throw g.corrupt("sparse initializers are not supported");
                } else {
                    g.skip();
                }
            }
        }

        private void node(ProtoReader n) throws ModelFormatException {
            List<String> inputs = new ArrayList<>();
            List<String> outputs = new ArrayList<>();
            String name = "";
            String opType = "";
            String domain = "";
            ProtoReader value = null;
            while (n.hasMore()) {
                int field = n.nextField();
                switch (field) {
                    case 1 -> inputs.add(string(n));
                    case 2 -> outputs.add(string(n));
                    case 3 -> name = string(n);
                    case 4 -> opType = string(n);
                    case 7 -> domain = string(n);
                    case 5 -> {
                        n.expect(ProtoReader.LENGTH_DELIMITED);
                        ProtoReader t = tensorAttribute(n.readMessage(), "value");
                        value = t != null ? t : value;
                    }
                    default -> n.skip();
                }
            }
            if (opType.isEmpty()) {
                throw n.corrupt("node " + ModelFormatException.quote(name) + " has no operator");
            }
            OnnxNode node = new OnnxNode(name, opType, domain, inputs, outputs);
            nodes.add(node);
            if (opType.equals("Constant") && value != null) {
                if (outputs.size() != 1) {
                    throw n.corrupt("Constant node " + ModelFormatException.quote(name) + " has " + outputs.size() + " outputs");
                }
                add(tensor(value, outputs.get(0)), n);
            }
        }

        /** The TensorProto of an AttributeProto named wanted (field t), or null. */
        private ProtoReader tensorAttribute(ProtoReader a, String wanted) throws ModelFormatException {
            String name = null;
            ProtoReader t = null;
            while (a.hasMore()) {
                int field = a.nextField();
                if (field == 1) {
                    name = string(a);
                } else if (field == 5) {
                    a.expect(ProtoReader.LENGTH_DELIMITED);
                    t = a.readMessage();
                } else {
                    a.skip();
                }
            }
            return wanted.equals(name) ? t : null;
        }

        /** Reads a TensorProto; nameOverride names a Constant node's value after its output. */
        private StoredTensor tensor(ProtoReader t, String nameOverride) throws ModelFormatException {
            ProtoReader.LongList dims = new ProtoReader.LongList();
            ProtoReader.FloatList floatData = null;
            ProtoReader.LongList intData = null;
            int dataType = 0;
            String name = "";
            int rawStart = -1;
            int rawLength = 0;
            boolean external = false;
            while (t.hasMore()) {
                int field = t.nextField();
                switch (field) {
                    case 1 -> t.readVarints(dims);
                    case 2 -> {
                        t.expect(ProtoReader.VARINT);
                        dataType = t.readInt32();
                    }
                    case 3 -> throw t.corrupt("segmented tensors are not supported");
                    case 4 -> {
                        floatData = floatData == null ? new ProtoReader.FloatList() : floatData;
                        t.readFloats(floatData);
                    }
                    case 5, 7 -> {
                        intData = intData == null ? new ProtoReader.LongList() : intData;
                        t.readVarints(intData);
                    }
                    case 8 -> name = string(t);
                    case 9 -> {
                        t.expect(ProtoReader.LENGTH_DELIMITED);
                        rawStart = t.readLengthDelimited();
                        rawLength = t.position() - rawStart;
                    }
                    case 13 -> {
                        external = true;
                        t.skip();
                    }
                    case 14 -> {
                        t.expect(ProtoReader.VARINT);
                        external |= t.readVarint() == 1;
                    }
                    default -> t.skip();
                }
            }
            if (nameOverride != null) {
                name = nameOverride;
            }
            if (name.isEmpty()) {
                throw t.corrupt("a tensor has no name");
            }
            long[] shape = dims.toArray();
            long elements = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw t.corrupt("tensor " + ModelFormatException.quote(name) + " has a negative dimension " + d);
                }
                try {
                    elements = Math.multiplyExact(elements, d);
                } catch (ArithmeticException e) {
                    throw t.corrupt("tensor " + ModelFormatException.quote(name) + " has an element count that overflows");
                }
            }
            OnnxTensorInfo info = new OnnxTensorInfo(name, dataType, shape);
            if (rawStart >= 0) {
                int size = OnnxTensorInfo.elementBytes(dataType);
                if (size > 0 && (elements > rawLength || elements * size != rawLength)) {
                    throw t.corrupt("tensor " + ModelFormatException.quote(name) + " of " + elements + " elements of type " + dataType
                            + " has " + rawLength + " raw bytes");
                }
            }
            float[] floats = null;
            if (floatData != null) {
                if (floatData.size() != elements) {
                    throw t.corrupt("tensor " + ModelFormatException.quote(name) + " of " + elements + " elements has " + floatData.size() + " floats");
                }
                floats = floatData.toArray();
            }
            long[] ints = null;
            if (intData != null) {
                ints = intData.toArray();
                if (ints.length != elements) {
                    throw t.corrupt("tensor " + ModelFormatException.quote(name) + " of " + elements + " elements has " + ints.length + " integers");
                }
            }
            return new StoredTensor(info, rawStart, rawLength, floats, ints, external);
        }

        private void add(StoredTensor t, ProtoReader at) throws ModelFormatException {
            if (tensors.putIfAbsent(t.info().name(), t) != null) {
                throw at.corrupt("two tensors are named '" + t.info().name() + "'");
            }
        }

        private static String string(ProtoReader r) throws ModelFormatException {
            r.expect(ProtoReader.LENGTH_DELIMITED);
            return r.readString();
        }
    }
}
