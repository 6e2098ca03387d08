package dev.llmaccel.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * What follows from the description of each op of the elementwise family ({@link Elementwise})
 * and of the row family ({@link Rowwise}), checked for every op that has one: a public
 * {@link Backend} method named after it (the camel case of {@link Op#kernelName()}) taking out, its
 * tensors and its scalars, which runs that op; a CPU kernel; the family's argument checks. Their
 * values are the op suite's business ({@link OpSuiteTest}).
 */
class OpFamiliesTest {

    static Stream<Op> described() {
        return Arrays.stream(Op.values()).filter(op -> op.isElementwise() || op.isRowwise());
    }

    /** The tensor arguments after out: the inputs, or x and the vectors. */
    static int tensorArgs(Op op) {
        return op.isElementwise() ? op.elementwise().inputs() : 1 + op.rowwise().vectors().size();
    }

    static int scalarArgs(Op op) {
        return op.isElementwise() ? op.elementwise().scalars() : op.rowwise().scalars();
    }

    /** The public method of op: name in camel case, (Tensor out, Tensor..., float...). */
    static Method publicMethod(Op op) throws NoSuchMethodException {
        String[] words = op.kernelName().split("_");
        StringBuilder name = new StringBuilder(words[0]);
        for (int i = 1; i < words.length; i++) {
            name.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
        }
        List<Class<?>> params = new ArrayList<>();
        for (int i = 0; i <= tensorArgs(op); i++) {
            params.add(Tensor.class);
        }
        for (int i = 0; i < scalarArgs(op); i++) {
            params.add(float.class);
        }
        return Backend.class.getMethod(name.toString(), params.toArray(new Class<?>[0]));
    }

    /** Calls op's public method on b with these tensors (out first) and every scalar = scalar. */
    static void callPublic(Backend b, Op op, Tensor[] tensors, float scalar) throws Throwable {
        Object[] args = new Object[tensors.length + scalarArgs(op)];
        System.arraycopy(tensors, 0, args, 0, tensors.length);
        Arrays.fill(args, tensors.length, args.length, scalar);
        try {
            publicMethod(op).invoke(b, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Out and op's tensors: (3, 5) for out, the inputs and x, (5) for the vectors. */
    private static Tensor[] tensors(Op op) {
        Tensor[] t = new Tensor[1 + tensorArgs(op)];
        for (int j = 0; j < t.length; j++) {
            boolean vector = op.isRowwise() && j >= 2;
            t[j] = vector ? Tensor.of(TestData.normal(j, 5, 1), 5) : Tensor.of(TestData.normal(j, 15, 1), 3, 5);
        }
        return t;
    }

    @TestFactory
    Stream<DynamicTest> eachHasAPublicMethodThatRunsIt() {
        return described().map(op -> dynamicTest(op.toString(), () -> {
            Backend b = Backends.reference();
            List<Op> seen = new ArrayList<>();
            b.setOpListener((call, nanos) -> seen.add(call.op()));
            callPublic(b, op, tensors(op), 0.5f);
            assertEquals(List.of(op), seen);
        }));
    }

    @TestFactory
    Stream<DynamicTest> eachHasACpuKernel() {
        return described().map(op -> dynamicTest(op.toString(), () ->
                assertTrue(Backends.cpu().supports(op, DType.F32), "no native kernel named " + op.kernelName())));
    }

    @TestFactory
    Stream<DynamicTest> eachChecksItsArguments() {
        return described().map(op -> dynamicTest(op.toString(), () -> {
            Backend b = Backends.cpu();
            Tensor[] t = tensors(op);
            int last = t.length - 1;  // an input, x, or a vector
            Tensor[] wrongShape = t.clone();
            wrongShape[last] = Tensor.zeros(DType.F32, 5, 3);
            assertThrows(IllegalArgumentException.class, () -> callPublic(b, op, wrongShape, 1f));
            Tensor[] wrongType = t.clone();
            wrongType[last] = Tensor.zeros(DType.F16, t[last].shape());
            assertThrows(IllegalArgumentException.class, () -> callPublic(b, op, wrongType, 1f));
            Tensor[] overlapping = t.clone();  // out one element off its first input
            overlapping[0] = t[1].view(15).rows(1, 14).view(14);
            overlapping[1] = t[1].view(15).rows(0, 14).view(14);
            for (int j = 2; j < t.length; j++) {
                overlapping[j] = Tensor.zeros(DType.F32, 14);
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> callPublic(b, op, overlapping, 1f));
            assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
            if (scalarArgs(op) > 0) {
                assertThrows(IllegalArgumentException.class, () -> callPublic(b, op, t, Float.NaN));
                assertThrows(IllegalArgumentException.class, () -> callPublic(b, op, t, Float.POSITIVE_INFINITY));
            }
        }));
    }
}
