package dev.llmaccel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.SharedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ./llmaccel launcher's first build, with a stand-in mvn that prints what Maven prints and a
 * stand-in java: the user sees a line per module and step, not one line for minutes, nor Maven's log.
 */
class LauncherTest {
    @TempDir
    Path dir;

    /** What Maven and CMake print during a build of the CLI, abridged. */
    private static final String MAVEN_LOG = """
            [INFO] Scanning for projects...
            [INFO] ------------------------------------------------------------------------
            [INFO] Reactor Build Order:
            [INFO] Building llmaccel (parent) 0.1.0-SNAPSHOT                          [1/3]
            [INFO] --- maven-enforcer-plugin:3.7.0:enforce (converging-dependencies) @ llmaccel-parent ---
            [INFO] Building llmaccel 0.1.0-SNAPSHOT                                   [2/3]
            Downloading from central: https://repo.maven.apache.org/maven2/org/bytedeco/javacpp/1.5.13/javacpp-1.5.13.jar
            [INFO] --- maven-antrun-plugin:3.1.0:run (cmake-build) @ llmaccel ---
            [ 10%] Building CXX object CMakeFiles/llmaccel_cpu.dir/src/cpu/matmul.cpp.o
            [ 13%] Building CXX object CMakeFiles/llmaccel_cpu.dir/src/cpu/norm.cpp.o
            [ 55%] Building CXX object CMakeFiles/llmaccel_cpu.dir/src/cpu/attention.cpp.o
            [INFO] --- maven-compiler-plugin:3.13.0:compile (default-compile) @ llmaccel ---
            [INFO] Compiling 180 source files with javac [debug release 17] to target/classes
            [INFO] Building llmaccel command line 0.1.0-SNAPSHOT                      [3/3]
            [INFO] --- maven-jar-plugin:3.4.2:jar (default-jar) @ llmaccel-cli ---
            [INFO] BUILD SUCCESS
            """;

    private record Result(int exit, String out, String err) {}

    /** Runs a copy of the launcher in a folder of its own, with mvn and java replaced. */
    private Result launch(boolean buildSucceeds) throws IOException, InterruptedException {
        Path root = Files.createDirectories(dir.resolve("repo"));
        Files.copy(SharedFiles.repositoryRoot().resolve("llmaccel"), root.resolve("llmaccel"));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.writeString(dir.resolve("maven.log"), MAVEN_LOG);
        script(bin.resolve("mvn"), "cat '" + dir.resolve("maven.log") + "'\n"
                + (buildSucceeds
                        ? "mkdir -p cli/target && touch cli/target/llmaccel-cli-0.1.0-SNAPSHOT.jar"
                                + " && echo /deps.jar > cli/target/runtime-classpath.txt\n"
                                // where the launcher found them before the CLI had a module of its own
                                + "mkdir -p java/target && touch java/target/llmaccel-0.1.0-SNAPSHOT.jar"
                                + " && echo /deps.jar > java/target/runtime-classpath.txt\n"
                        : "echo '[ERROR] COMPILATION ERROR: Main.java:[3,1] class, interface, enum, or record expected'\nexit 1\n"));
        Path jdk = Files.createDirectories(dir.resolve("jdk/bin"));
        script(jdk.resolve("java"), "echo \"java $*\"\n");

        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("llmaccel").toString(), "demo");
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("JAVA_HOME", dir.resolve("jdk").toString());
        pb.redirectOutput(dir.resolve("out.txt").toFile());
        pb.redirectError(dir.resolve("err.txt").toFile());  // a file: not a terminal
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher did not finish");
        return new Result(p.exitValue(), Files.readString(dir.resolve("out.txt")), Files.readString(dir.resolve("err.txt")));
    }

    private static void script(Path path, String body) throws IOException {
        Files.writeString(path, "#!/usr/bin/env bash\n" + body, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void theFirstBuildShowsALinePerModuleAndStep() throws Exception {
        Result r = launch(true);
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.err().lines().toList();
        assertTrue(lines.contains("llmaccel: building [2/3] llmaccel"), r.err());
        assertTrue(lines.contains("llmaccel: building [2/3] llmaccel: antrun:run"), r.err());
        assertTrue(lines.contains("llmaccel: building [2/3] llmaccel: native library 10%"), r.err());
        assertTrue(lines.contains("llmaccel: building [2/3] llmaccel: native library 55%"), r.err());
        assertFalse(lines.contains("llmaccel: building [2/3] llmaccel: native library 13%"), "one line per tenth: " + r.err());
        assertTrue(lines.contains("llmaccel: building [3/3] llmaccel command line: jar:jar"), r.err());
        assertFalse(r.err().contains("[INFO]"), "Maven's own log stays out of sight: " + r.err());
        assertFalse(r.err().contains("\r"), "not a terminal: no redraws: " + r.err());
        assertTrue(r.out().startsWith("java ") && r.out().contains("dev.llmaccel.cli.Main demo"), r.out());
    }

    @Test
    void aFailedBuildShowsTheEndOfMavensLog() throws Exception {
        Result r = launch(false);
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("COMPILATION ERROR"), r.err());
        assertTrue(r.err().contains("llmaccel: the build failed (full log: "), r.err());
        assertEquals("", r.out());
    }
}
