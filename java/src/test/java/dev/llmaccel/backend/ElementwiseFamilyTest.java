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
 * What follows from each elementwise op's description ({@link Elementwise}), checked for every
 * op that has one: a public {@link Backend} method named after it (the camel case of
 * {@link Op#kernelName()}) taking out, its inputs and its scalars, which runs that op; a CPU
 * kernel; the family's argument checks. Its values are the op suite's business ({@link OpSuiteTest}).
 */
class ElementwiseFamilyTest {

    static Stream<Op> family() {
        return Arrays.stream(Op.values()).filter(Op::isElementwise);
    }

    /** The public method of op: name in camel case, (Tensor out, Tensor... inputs, float... scalars). */
    static Method publicMethod(Op op) throws NoSuchMethodException {
        String[] words = op.kernelName().split("_");
        StringBuilder name = new StringBuilder(words[0]);
        for (int i = 1; i < words.length; i++) {
            name.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
        }
        List<Class<?>> params = new ArrayList<>();
        for (int i = 0; i <= op.elementwise().inputs(); i++) {
            params.add(Tensor.class);
        }
        for (int i = 0; i < op.elementwise().scalars(); i++) {
            params.add(float.class);
        }
        return Backend.class.getMethod(name.toString(), params.toArray(new Class<?>[0]));
    }

    /** Calls op's public method on b with these tensors (out first) and scalars. */
    static void callPublic(Backend b, Op op, Tensor[] tensors, float scalar) throws Throwable {
        Object[] args = new Object[tensors.length + op.elementwise().scalars()];
        System.arraycopy(tensors, 0, args, 0, tensors.length);
        Arrays.fill(args, tensors.length, args.length, scalar);
        try {
            publicMethod(op).invoke(b, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Out and op's inputs, F32 (3, 5). */
    private static Tensor[] tensors(Op op) {
        Tensor[] t = new Tensor[1 + op.elementwise().inputs()];
        for (int j = 0; j < t.length; j++) {
            t[j] = Tensor.of(TestData.normal(j, 15, 1), 3, 5);
        }
        return t;
    }

    @TestFactory
    Stream<DynamicTest> eachHasAPublicMethodThatRunsIt() {
        return family().map(op -> dynamicTest(op.toString(), () -> {
            Backend b = Backends.reference();
            List<Op> seen = new ArrayList<>();
            b.setOpListener((call, nanos) -> seen.add(call.op()));
            Tensor[] t = tensors(op);
            callPublic(b, op, t, 0.5f);
            assertEquals(List.of(op), seen);
        }));
    }

    @TestFactory
    Stream<DynamicTest> eachHasACpuKernel() {
        return family().map(op -> dynamicTest(op.toString(), () ->
                assertTrue(Backends.cpu().supports(op, DType.F32), "no native kernel named " + op.kernelName())));
    }

    @TestFactory
    Stream<DynamicTest> eachChecksItsArguments() {
        return family().map(op -> dynamicTest(op.toString(), () -> {
            Backend b = Backends.cpu();
            Tensor[] t = tensors(op);
            Tensor[] wrongShape = t.clone();
            wrongShape[t.length - 1] = Tensor.zeros(DType.F32, 5, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> callPublic(b, op, wrongShape, 1f));
            assertTrue(e.getMessage().contains(op.kernelName() + " needs equal shapes"), e.getMessage());
            Tensor[] wrongType = t.clone();
            wrongType[t.length - 1] = Tensor.zeros(DType.F16, 3, 5);
            assertThrows(IllegalArgumentException.class, () -> callPublic(b, op, wrongType, 1f));
            Tensor[] overlapping = t.clone();
            overlapping[0] = t[1].view(15).rows(1, 14).view(14);  // out one element off its input
            overlapping[1] = t[1].view(15).rows(0, 14).view(14);
            for (int j = 2; j < t.length; j++) {
                overlapping[j] = Tensor.zeros(DType.F32, 14);
            }
            assertThrows(IllegalArgumentException.class, () -> callPublic(b, op, overlapping, 1f));
            if (op.elementwise().scalars() > 0) {
                e = assertThrows(IllegalArgumentException.class, () -> callPublic(b, op, t, Float.NaN));
                assertTrue(e.getMessage().contains("finite"), e.getMessage());
            }
        }));
    }
}
