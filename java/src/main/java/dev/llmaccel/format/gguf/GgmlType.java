package dev.llmaccel.format.gguf;

import dev.llmaccel.tensor.DType;

/**
 * Every tensor type a GGUF file may hold, with its block layout: {@link #blockSize()} values are
 * stored in {@link #blockBytes()} bytes. The table covers the types llmaccel does not compute
 * (Q2_K, the IQ family, ...) too, so that the offsets and sizes of every real file validate and
 * can be listed; {@link #dtype()} says which ones llmaccel computes with. Those rows take their
 * id and layout from {@link DType}, the table of computed types, instead of restating them.
 *
 * <p>Ids 4, 5, 31-33 and 36-38 belonged to types that ggml removed from GGUF files; like any
 * other id not listed here they are invalid.
 */
public enum GgmlType {
    F32(DType.F32),
    F16(DType.F16),
    Q4_0(DType.Q4_0),
    Q4_1(DType.Q4_1),
    Q5_0(DType.Q5_0),
    Q5_1(DType.Q5_1),
    Q8_0(DType.Q8_0),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(DType.Q4_K),
    Q5_K(DType.Q5_K),
    Q6_K(DType.Q6_K),
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(DType.BF16),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    MXFP4(39, 32, 17),
    NVFP4(40, 64, 36),
    Q1_0(41, 128, 18),
    Q2_0(42, 64, 18);

    /** Indexed by id; null where no type has that id. */
    private static final GgmlType[] BY_ID = new GgmlType[43];

    static {
        for (GgmlType t : values()) {
            if (BY_ID[t.id] != null) {
                throw new AssertionError(t + " and " + BY_ID[t.id] + " have the same id " + t.id);
            }
            BY_ID[t.id] = t;
        }
        for (DType d : DType.values()) {
            if (of(d) == null || of(d).dtype != d) {
                throw new AssertionError("DType " + d + " has no row in the ggml type table");
            }
        }
    }

    private final int id;
    private final int blockSize;
    private final int blockBytes;
    private final DType dtype;

    /** A type llmaccel computes with: id and layout are DType's. */
    GgmlType(DType dtype) {
        this.id = dtype.ggmlId();
        this.blockSize = dtype.blockSize();
        this.blockBytes = dtype.blockBytes();
        this.dtype = dtype;
    }

    /** A type that files may hold and llmaccel only lists. */
    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.dtype = null;
    }

    /** The type's id in GGUF tensor infos. */
    public int id() {
        return id;
    }

    /** Values per block (1 for the plain number types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    /** The llmaccel element type with this layout, or null when llmaccel does not compute this type. */
    public DType dtype() {
        return dtype;
    }

    /** The type with this id, or null when the id is unknown or belonged to a removed type. */
    public static GgmlType fromId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }

    /** The type that stores llmaccel's dtype. */
    public static GgmlType of(DType dtype) {
        return fromId(dtype.ggmlId());
    }
}
