package dev.llmaccel.cli;

import dev.llmaccel.generation.ChatTemplateException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code llmaccel} command line. Results go to stdout, everything else (progress, logs,
 * statistics, errors) to stderr. Exit codes: 0 success, 1 a failure while running (a file that is
 * missing or malformed, a model the backend cannot run), 2 a usage error (unknown flag, bad value).
 *
 * <p>Subcommands are the classes listed in the {@link Command} annotation below; to add one,
 * write a picocli command class and add it to that list.
 */
@Command(name = "llmaccel", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "LLM inference for the JVM on native kernels.",
        subcommands = {
            GenerateCommand.class,
            ChatCommand.class,
            InfoCommand.class,
            PerplexityCommand.class,
            DemoCommand.class,
            EmbedCommand.class,
            EvaluateCommand.class,
            ServeCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Callable<Integer> {
    /** Exit code of a failure while running. */
    public static final int EXIT_FAILURE = 1;
    /** Exit code of a usage error. */
    public static final int EXIT_USAGE = 2;

    private static final Logger LIBRARY_LOG = Logger.getLogger("dev.llmaccel");

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT, description = "log what the library does (backend choice, ...) on stderr")
    boolean verbose;

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT, description = "no progress on stderr")
    boolean quiet;

    @Spec
    CommandSpec spec;

    /** Standard input, for the interactive commands. */
    final InputStream in;
    /** Whether standard error is a terminal: progress is redrawn in place there, else printed as lines. */
    private final boolean terminal;

    private Main(InputStream in, boolean terminal) {
        this.in = in;
        this.terminal = terminal;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err, isTerminal(2)));
    }

    /** Runs the command line on the given streams, standard error not a terminal (tests call this in-process). */
    public static int run(String[] args, InputStream in, OutputStream out, OutputStream err) {
        return run(args, in, out, err, false);
    }

    /** Runs the command line on the given streams and returns the exit code. */
    static int run(String[] args, InputStream in, OutputStream out, OutputStream err, boolean errIsTerminal) {
        PrintWriter o = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        PrintWriter e = new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        Main main = new Main(in, errIsTerminal);
        CommandLine cli = new CommandLine(main);
        cli.setOut(o);
        cli.setErr(e);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        for (CommandLine sub : cli.getSubcommands().values()) {
            sub.getCommandSpec().versionProvider(new Version());  // `llmaccel generate -V` too
        }
        cli.setParameterExceptionHandler(Main::usageError);
        cli.setExpandAtFiles(false);  // "@file" is an argument of its own (--json-schema @schema.json)
        cli.setExecutionStrategy(parsed -> {
            logTo(e, main.verbose);
            return new CommandLine.RunLast().execute(parsed);
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parsed) -> {
            ProgressBar.endLine(e);
            e.println("llmaccel: " + describe(ex));
            if (main.verbose) {
                ex.printStackTrace(e);
            }
            return exitCodeOf(ex);
        });
        try {
            return cli.execute(args);
        } catch (Error error) {  // picocli passes Errors through: one line too, never a stack trace
            ProgressBar.endLine(e);
            e.println("llmaccel: " + describe(error));
            if (main.verbose) {
                error.printStackTrace(e);
            }
            return EXIT_FAILURE;
        } finally {
            o.flush();
            e.flush();
        }
    }

    /** How commands show progress: redrawn on a terminal, a line now and then elsewhere, none with --quiet. */
    ProgressBar.Mode progress() {
        return quiet ? ProgressBar.Mode.OFF : terminal ? ProgressBar.Mode.REDRAW : ProgressBar.Mode.LINES;
    }

    /** The progress mode of a command run under main, or lines when it runs on its own (tests). */
    static ProgressBar.Mode progress(Main main) {
        return main == null ? ProgressBar.Mode.LINES : main.progress();
    }

    /** A usage error: the one line that says what is wrong, and where help is, not the whole help screen. */
    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine command = ex.getCommandLine();
        PrintWriter err = command.getErr();
        err.println("llmaccel: " + ex.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help' for more information.");
        return EXIT_USAGE;
    }

    /** Whether file descriptor fd of this process is a terminal (Linux: it links to a tty device). */
    static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    /** No subcommand: show the usage. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_USAGE;
    }

    private static int exitCodeOf(Exception ex) {
        return ex instanceof IllegalArgumentException && !(ex instanceof ChatTemplateException) ? EXIT_USAGE : EXIT_FAILURE;
    }

    private static String describe(Throwable ex) {
        if (ex instanceof OutOfMemoryError) {
            return "out of memory (" + ex.getMessage() + "): use a smaller context or model, or give the JVM more heap (-Xmx)";
        }
        if (ex instanceof StackOverflowError) {
            return "stack overflow: the input nests too deeply";
        }
        if (ex instanceof java.nio.file.NoSuchFileException) {
            return "file not found: " + ex.getMessage();
        }
        if (ex instanceof IOException || ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
                || ex instanceof UnsupportedOperationException || ex instanceof ChatTemplateException) {
            return ex.getMessage();
        }
        return ex.getClass().getSimpleName() + ": " + ex.getMessage();
    }

    /** The library's log on stderr, one line per record: warnings always, everything with --verbose. */
    private static synchronized void logTo(PrintWriter err, boolean verbose) {
        for (Handler h : LIBRARY_LOG.getHandlers()) {
            if (h instanceof CliLogHandler) {
                LIBRARY_LOG.removeHandler(h);
            }
        }
        LIBRARY_LOG.addHandler(new CliLogHandler(err));
        LIBRARY_LOG.setUseParentHandlers(false);
        LIBRARY_LOG.setLevel(verbose ? Level.INFO : Level.WARNING);
    }

    private static final class CliLogHandler extends StreamHandler {
        private final PrintWriter err;

        CliLogHandler(PrintWriter err) {
            this.err = err;
        }

        @Override
        public synchronized void publish(LogRecord r) {
            if (isLoggable(r)) {
                err.println("llmaccel: " + (r.getLevel().intValue() >= Level.WARNING.intValue() ? "warning: " : "")
                        + r.getMessage());
            }
        }

        @Override
        public boolean isLoggable(LogRecord r) {
            return r != null && r.getLevel().intValue() >= LIBRARY_LOG.getLevel().intValue();
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"llmaccel " + (v == null ? "(development build)" : v)};
        }
    }
}
