package dev.llmaccel.format.onnx;

/**
 * Description of a tensor stored in an ONNX model (an initializer, or the value of a Constant node).
 *
 * @param name the tensor's name (for a Constant node: its output's name)
 * @param dataType the ONNX {@code TensorProto.DataType} number (1 float, 7 int64, 10 float16, 16 bfloat16, ...)
 * @param dims the dimensions, outermost first (ONNX order is row-major like ours)
 */
public record OnnxTensorInfo(String name, int dataType, long[] dims) {
    public static final int FLOAT = 1;
    public static final int INT32 = 6;
    public static final int INT64 = 7;
    public static final int FLOAT16 = 10;
    public static final int DOUBLE = 11;
    public static final int BFLOAT16 = 16;

    public OnnxTensorInfo {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** The number of elements (1 for a scalar). */
    public long elements() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /** Bytes per element of dataType in raw_data, or 0 for a type this reader does not decode. */
    static int elementBytes(int dataType) {
        return switch (dataType) {
            case FLOAT, INT32 -> 4;
            case INT64, DOUBLE -> 8;
            case FLOAT16, BFLOAT16 -> 2;
            default -> 0;
        };
    }
}
