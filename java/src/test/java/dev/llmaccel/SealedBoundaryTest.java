package dev.llmaccel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llmaccel.tensor.Storage;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sealed native boundary (issue 8): no code outside this module can hand a kernel an address
 * of its choosing. Kernels read the addresses of tensors; a tensor's memory is host memory the
 * library allocated, a file it mapped, or a backend's own allocation, and nothing an exported
 * package offers takes an address, a {@link Storage}, a JavaCPP pointer or a type of an unexported
 * package, nor lets a user's class supply one (an overridable method returning an address).
 *
 * <p>The scan reads the public API from the class files; the compile test shows the old way in
 * (a Storage at address 4096 wrapped in a tensor, as a test once did) rejected by javac.
 */
class SealedBoundaryTest {
    /** Names that say a long is an address. */
    private static final Pattern ADDRESS = Pattern.compile(".*(address|addr|pointer|ptr).*");
    private static final Pattern TYPE_NAME = Pattern.compile("[a-zA-Z_$][\\w$]*(\\.[a-zA-Z_$][\\w$]*)+");

    private static Path classes;
    private static Set<String> exported;
    private static Set<String> unexported;

    @BeforeAll
    static void readModule() throws IOException, URISyntaxException {
        classes = Path.of(Tensor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assumeTrue(Files.isDirectory(classes), () -> "skipped: the classes are in a jar here (" + classes + ")");
        ModuleDescriptor module;
        try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
            module = ModuleDescriptor.read(in);
        }
        exported = module.exports().stream().filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
        // javac writes no ModulePackages attribute: the module's packages are those of its classes.
        try (Stream<Path> files = Files.walk(classes)) {
            unexported = files.filter(p -> p.toString().endsWith(".class") && !p.getFileName().toString().equals("module-info.class"))
                    .map(p -> classes.relativize(p.getParent()).toString().replace('/', '.'))
                    .filter(p -> !exported.contains(p))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertTrue(unexported.contains("dev.llmaccel.memory") && unexported.contains("dev.llmaccel.binding.cpu"),
                "the scan needs the unexported packages, found " + unexported);
    }

    @Test
    void noExportedSignatureTakesAnAddress() throws IOException {
        List<String> offenders = new ArrayList<>();
        int parameters = 0;
        for (Class<?> c : exportedClasses()) {
            for (Executable e : accessibleExecutables(c)) {
                for (Parameter p : e.getParameters()) {
                    assertTrue(p.isNamePresent(), "no parameter names in " + c.getName() + ": compile with -parameters");
                    parameters++;
                    String why = forbidden(p.getParameterizedType().getTypeName(), p.getType());
                    if (why == null && isLong(p.getType()) && ADDRESS.matcher(p.getName().toLowerCase(Locale.ROOT)).matches()) {
                        why = "a long named " + p.getName();
                    }
                    if (why != null) {
                        offenders.add(signature(e) + " takes " + why);
                    }
                }
                if (e instanceof Method m && isOverridable(c, m) && isLong(m.getReturnType())
                        && ADDRESS.matcher(m.getName().toLowerCase(Locale.ROOT)).matches()) {
                    offenders.add(signature(e) + ": a user's subclass could return any address");
                }
            }
        }
        assertTrue(parameters > 500, "the scan saw only " + parameters + " parameters: is it looking at the API?");
        assertEquals(List.of(), offenders, "public API that can hand native code an address");
    }

    @Test
    void storageIsMadeOnlyInsideItsPackage() throws IOException {
        List<String> open = new ArrayList<>();
        for (Class<?> c : exportedClasses()) {
            if (Storage.class.isAssignableFrom(c)) {
                for (Constructor<?> k : c.getDeclaredConstructors()) {
                    if ((k.getModifiers() & (Modifier.PUBLIC | Modifier.PROTECTED)) != 0) {
                        open.add(signature(k));
                    }
                }
            }
        }
        assertTrue(exportedClasses().contains(Storage.class), "Storage not found in the scan");
        assertEquals(List.of(), open, "constructors a class outside dev.llmaccel.tensor could call");
    }

    /** A user's class that puts storage at address 4096 under a tensor does not compile. */
    @Test
    void theOldWayInDoesNotCompile(@TempDir Path out) {
        List<String> errors = compile(out, """
                package user;

                import dev.llmaccel.tensor.DType;
                import dev.llmaccel.tensor.Device;
                import dev.llmaccel.tensor.Storage;
                import dev.llmaccel.tensor.Tensor;

                class AtAnyAddress extends Storage {
                    AtAnyAddress() {
                        super(Device.CPU, 4096, 64, true);
                    }

                    public void read(long offset, byte[] dst) {}
                    public void read(long offset, float[] dst) {}
                    public void write(long offset, byte[] src) {}
                    public void write(long offset, float[] src) {}
                    protected void release() {}

                    static Tensor tensor() {
                        return Tensor.wrap(new AtAnyAddress(), DType.F32, 16);
                    }
                }
                """);
        assertTrue(errors.stream().anyMatch(e -> e.contains("Storage(") && e.contains("not public")),
                "javac accepted Storage's constructor from outside its package: " + errors);
        assertTrue(errors.stream().anyMatch(e -> e.contains("wrap(") && e.contains("not public")),
                "javac accepted Tensor.wrap from outside its package: " + errors);
    }

    /** The control: the same compiler setup accepts what the public API offers. */
    @Test
    void thePublicWayCompiles(@TempDir Path out) {
        List<String> errors = compile(out, """
                package user;

                import dev.llmaccel.tensor.DType;
                import dev.llmaccel.tensor.Tensor;

                class BySize {
                    static Tensor tensor() {
                        try (Tensor t = Tensor.zeros(DType.F32, 16)) {
                            return Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
                        }
                    }
                }
                """);
        assertEquals(List.of(), errors);
    }

    // ---- the scan ------------------------------------------------------------------------------

    /** Why a parameter of this type lets an address in, or null. */
    private static String forbidden(String genericName, Class<?> type) {
        Class<?> t = type;
        while (t.isArray()) {
            t = t.getComponentType();
        }
        if (Storage.class.isAssignableFrom(t)) {
            return "a Storage";
        }
        for (Class<?> s = t; s != null; s = s.getSuperclass()) {
            if (s.getName().equals("org.bytedeco.javacpp.Pointer")) {
                return "a JavaCPP pointer (" + t.getName() + ")";
            }
        }
        Matcher m = TYPE_NAME.matcher(genericName);
        while (m.find()) {
            String name = m.group();
            int dot = name.lastIndexOf('.');
            String pkg = name.substring(0, dot);
            if (unexported.contains(pkg) || name.equals(Storage.class.getName())) {
                return "a type that outside code may not have (" + name + ")";
            }
        }
        return null;
    }

    private static boolean isLong(Class<?> type) {
        return type == long.class || type == long[].class || type == Long.class;
    }

    /** Whether a user's class could override m: not static, final or private, in a class it can extend. */
    private static boolean isOverridable(Class<?> c, Method m) {
        int mod = m.getModifiers();
        if (Modifier.isStatic(mod) || Modifier.isFinal(mod) || Modifier.isFinal(c.getModifiers())) {
            return false;
        }
        return c.isInterface() || Stream.of(c.getDeclaredConstructors())
                .anyMatch(k -> (k.getModifiers() & (Modifier.PUBLIC | Modifier.PROTECTED)) != 0);
    }

    /** The classes of exported packages that code outside the module can name. */
    private static List<Class<?>> exportedClasses() throws IOException {
        List<Class<?>> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                String rel = classes.relativize(f).toString();
                String name = rel.substring(0, rel.length() - ".class".length()).replace('/', '.');
                int dot = name.lastIndexOf('.');
                if (dot < 0 || !exported.contains(name.substring(0, dot)) || name.endsWith("package-info")) {
                    continue;
                }
                Class<?> c = load(name);
                if (isReachable(c)) {
                    found.add(c);
                }
            }
        }
        return found;
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, SealedBoundaryTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    /** Public, or protected inside a class outside code can extend, all the way out. */
    private static boolean isReachable(Class<?> c) {
        if (c.isAnonymousClass() || c.isLocalClass() || c.isSynthetic()) {
            return false;
        }
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            int mod = k.getModifiers();
            if (!Modifier.isPublic(mod) && !(Modifier.isProtected(mod) && !Modifier.isFinal(k.getEnclosingClass().getModifiers()))) {
                return false;
            }
        }
        return true;
    }

    /** Public members, and protected ones where outside code can subclass. */
    private static List<Executable> accessibleExecutables(Class<?> c) {
        boolean subclassable = !Modifier.isFinal(c.getModifiers());
        List<Executable> out = new ArrayList<>();
        Stream.concat(Stream.of(c.getDeclaredConstructors()), Stream.of(c.getDeclaredMethods()))
                .filter(e -> !e.isSynthetic() && !(e instanceof Method m && m.isBridge()))
                .filter(e -> Modifier.isPublic(e.getModifiers()) || (subclassable && Modifier.isProtected(e.getModifiers())))
                .forEach(out::add);
        return out;
    }

    private static String signature(Executable e) {
        return e.getDeclaringClass().getName() + "." + (e instanceof Constructor ? "<init>" : e.getName())
                + Stream.of(e.getParameters()).map(p -> p.getType().getSimpleName() + " " + p.getName())
                        .collect(Collectors.joining(", ", "(", ")"));
    }

    // ---- the compile test ----------------------------------------------------------------------

    /**
     * javac's error lines for one source file compiled against this test's class path (javac
     * runs as a process: these tests live inside the module, which does not read java.compiler).
     */
    private static List<String> compile(Path out, String source) {
        Path javac = Path.of(System.getProperty("java.home"), "bin", "javac");
        assumeTrue(Files.isExecutable(javac), "skipped: no javac beside this JVM (a JRE)");
        String cls = source.substring(source.indexOf("class ") + 6).split("[ {]")[0];
        // Surefire runs tests from a manifest-only jar; it names the real class path here.
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        try {
            Path file = Files.createDirectories(out.resolve("src/user")).resolve(cls + ".java");
            Files.writeString(file, source);
            Process p = new ProcessBuilder(javac.toString(), "-J-Duser.language=en", "-proc:none",
                    "-d", out.resolve("classes").toString(), "-classpath", classPath, file.toString())
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            int status = p.waitFor();
            List<String> errors = output.lines().filter(l -> l.contains(": error: ")).collect(Collectors.toList());
            assertTrue(status == 0 || !errors.isEmpty(), "javac failed without errors: " + output);
            return status == 0 ? List.of() : errors;
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
