package dev.llmaccel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module-info of the core: every package is exported but the JavaCPP bindings, which only
 * JavaCPP may open, and dev.llmaccel.memory (backends' native memory under tensors). A package
 * added without an export fails here, before a user on the module path finds it missing.
 */
class ModuleDescriptorTest {
    private static final String BINDING = "dev.llmaccel.binding";
    /** The door through which backends put their own memory under tensors; see SealedBoundaryTest. */
    static final String MEMORY = "dev.llmaccel.memory";

    @Test
    void everyPackageButTheBindingsIsExported() throws IOException, URISyntaxException {
        Path classes = Path.of(Tensor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assumeTrue(Files.isDirectory(classes), () -> "skipped: the classes are in a jar here (" + classes + ")");
        ModuleDescriptor module;
        try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
            module = ModuleDescriptor.read(in);
        }
        assertEquals("dev.llmaccel", module.name());

        Set<String> packages;
        try (Stream<Path> files = Files.walk(classes)) {
            packages = files.filter(p -> p.toString().endsWith(".class") && !p.getFileName().toString().equals("module-info.class"))
                    .map(p -> classes.relativize(p.getParent()).toString().replace('/', '.'))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertTrue(packages.contains(MEMORY), "no " + MEMORY + " package in " + classes);
        Set<String> expected = packages.stream().filter(p -> !p.startsWith(BINDING) && !p.equals(MEMORY)).collect(Collectors.toCollection(TreeSet::new));
        Set<String> exported = module.exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, exported, "exports of java/src/main/java/module-info.java");

        Set<String> bindings = packages.stream().filter(p -> p.startsWith(BINDING)).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(!bindings.isEmpty(), "no binding package found in " + classes);
        for (ModuleDescriptor.Opens o : module.opens()) {
            assertTrue(o.isQualified() && o.targets().equals(Set.of("org.bytedeco.javacpp")),
                    o + " is opened to more than JavaCPP");
        }
        Set<String> opened = module.opens().stream().map(ModuleDescriptor.Opens::source)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(bindings, opened, "the binding packages are opened to JavaCPP, and nothing else is");
    }
}
