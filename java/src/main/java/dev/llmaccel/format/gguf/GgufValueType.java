package dev.llmaccel.format.gguf;

/**
 * The types of GGUF metadata values, with their ids in the file. Each has one Java form, used by
 * {@link GgufFile#get} and accepted by {@link GgufWriter#putValue}; unsigned integers are widened
 * to the next larger signed type so that every value reads as what it is:
 *
 * <pre>
 *   type      value        array of it
 *   UINT8     Short        short[]
 *   INT8      Byte         byte[]
 *   UINT16    Integer      int[]
 *   INT16     Short        short[]
 *   UINT32    Long         long[]
 *   INT32     Integer      int[]
 *   FLOAT32   Float        float[]
 *   BOOL      Boolean      boolean[]
 *   STRING    String       List&lt;String&gt;
 *   ARRAY     -            List&lt;GgufArray&gt;   (arrays of arrays)
 *   UINT64    Long         long[]         (the raw 64 bits: values of 2^63 and more read negative)
 *   INT64     Long         long[]
 *   FLOAT64   Double       double[]
 * </pre>
 */
public enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, 0),
    ARRAY(9, 0),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private final int id;
    private final int fixedBytes;

    GgufValueType(int id, int fixedBytes) {
        this.id = id;
        this.fixedBytes = fixedBytes;
    }

    /** The type's id in the file. */
    public int id() {
        return id;
    }

    /** Bytes of one value, or 0 for STRING and ARRAY, whose size varies. */
    public int fixedBytes() {
        return fixedBytes;
    }

    /** The fewest bytes one value of this type takes in a file (a string: its length; an array: type and count). */
    public int minBytes() {
        switch (this) {
            case STRING:
                return 8;
            case ARRAY:
                return 4 + 8;
            default:
                return fixedBytes;
        }
    }

    /** True for the eight integer types. */
    public boolean isInteger() {
        switch (this) {
            case UINT8: case INT8: case UINT16: case INT16: case UINT32: case INT32: case UINT64: case INT64:
                return true;
            default:
                return false;
        }
    }

    /** True for the integer and floating-point types. */
    public boolean isNumeric() {
        return isInteger() || this == FLOAT32 || this == FLOAT64;
    }

    /** The type with this id, or null when the id is unknown. */
    public static GgufValueType fromId(int id) {
        for (GgufValueType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }
}
