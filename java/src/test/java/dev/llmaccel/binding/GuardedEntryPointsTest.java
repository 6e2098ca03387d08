package dev.llmaccel.binding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every function the native libraries export ({@code extern "C"} in native/src, CPU and CUDA)
 * is one call of the C ABI's guard (status.h): its whole body is {@code [return] llm::guarded(...);}
 * or {@code llm::guarded_value(...)} (or llm_cuda's forms of the two), so no C++ exception can
 * unwind into the JVM and a new entry point cannot forget it.
 */
class GuardedEntryPointsTest {
    private static final Pattern GUARD_CALL = Pattern.compile(
            "(return\\s+)?(llm|llm_cuda)::(guarded|guarded_value)\\s*(<[^;{]*?>)?\\s*\\(");
    private static final Pattern NAME = Pattern.compile("(\\w+)\\s*\\($");

    /** An exported function: its name, where it is, and its body with the braces. */
    record EntryPoint(String name, String file, String body) {}

    @Test
    void everyExportedFunctionRunsInTheGuard() {
        List<EntryPoint> found = new ArrayList<>();
        for (Path f : SourceTree.files("native/src", ".cpp", ".cu", ".h", ".cuh")) {
            found.addAll(entryPoints(SourceTree.root().relativize(f).toString(), SourceTree.read(f)));
        }
        assertTrue(found.stream().anyMatch(e -> e.file().contains("/cpu/")) && found.stream().anyMatch(e -> e.file().contains("/cuda/")),
                "the scan found no CPU or no CUDA entry point: " + found.stream().map(EntryPoint::name).toList());
        assertTrue(found.size() > 60, "only " + found.size() + " exported functions found");
        List<String> unguarded = found.stream().filter(e -> !isGuarded(e.body())).map(e -> e.file() + ": " + e.name()).toList();
        assertEquals(List.of(), unguarded, "extern \"C\" functions whose body is not one guard call (see native/src/status.h)");
    }

    /** The check itself tells a guarded body from the ways of getting it wrong. */
    @Test
    void theCheckRejectsWhatIsNotOneGuardCall() {
        String source = """
                extern "C" int ok(int* out) {
                    return llm::guarded([&] { *out = 1; });
                }
                extern "C" const char* ok_value(void) { return llm_cuda::guarded_value<const char*>("", [] { return "x"; }); }
                extern "C" {
                void ok_void(void* p) {
                    llm::guarded([&] { free(p); });
                }
                int bare(int n) { return n + 1; }
                }
                extern "C" int before(int* out) {
                    *out = 0;
                    return llm::guarded([&] { *out = 1; });
                }
                extern "C" int after(int* out) {
                    int s = llm::guarded([&] { *out = 1; });
                    return s;
                }
                extern "C" int declared_only(int n);
                """;
        List<EntryPoint> found = entryPoints("sample.cpp", SourceTree.withoutComments(source));
        assertEquals(List.of("ok", "ok_value", "ok_void", "bare", "before", "after"), found.stream().map(EntryPoint::name).toList());
        assertEquals(List.of("ok", "ok_value", "ok_void"), found.stream().filter(e -> isGuarded(e.body())).map(EntryPoint::name).toList());
    }

    /** Whether body ({ ... }) is a single guard call, returned or not. */
    static boolean isGuarded(String body) {
        String inner = body.substring(1, body.length() - 1).strip();
        Matcher m = GUARD_CALL.matcher(inner);
        if (!m.lookingAt()) {
            return false;
        }
        int close = matching(inner, m.end() - 1, '(', ')');
        return close > 0 && inner.substring(close + 1).strip().equals(";");
    }

    /** The extern "C" function definitions of one source file (comments already removed or not). */
    static List<EntryPoint> entryPoints(String file, String source) {
        String code = blankLiterals(SourceTree.withoutComments(source));
        List<EntryPoint> out = new ArrayList<>();
        int at = 0;
        while ((at = code.indexOf("extern \"C\"", at)) >= 0) {
            int i = at + "extern \"C\"".length();
            while (i < code.length() && Character.isWhitespace(code.charAt(i))) {
                i++;
            }
            if (i < code.length() && code.charAt(i) == '{') {  // extern "C" { ... }: every definition inside
                int end = matching(code, i, '{', '}');
                int start = i + 1;
                while (true) {
                    EntryPoint e = definition(file, code, start, end);
                    if (e == null) {
                        break;
                    }
                    out.add(e);
                    start = code.indexOf(e.body(), start) + e.body().length();
                }
                at = end;
            } else {
                EntryPoint e = definition(file, code, i, code.length());
                if (e != null && !code.substring(i, code.indexOf(e.body(), i)).contains(";")) {
                    out.add(e);
                }
                at = i;
            }
        }
        return out;
    }

    /** The next function definition in code[from, to), skipping declarations; null when none. */
    private static EntryPoint definition(String file, String code, int from, int to) {
        int i = from;
        int signatureStart = from;
        int parens = 0;
        while (i < to) {
            char c = code.charAt(i);
            if (c == '(') {
                parens++;
            } else if (c == ')') {
                parens--;
            } else if (c == ';' && parens == 0) {
                signatureStart = i + 1;  // a declaration: the next signature starts after it
            } else if (c == '{' && parens == 0) {
                String signature = code.substring(signatureStart, i).strip();
                int open = signature.lastIndexOf(')');
                int nameEnd = matchingBackwards(signature, open);
                Matcher m = NAME.matcher(signature.substring(0, nameEnd + 1));
                String name = m.find() ? m.group(1) : signature;
                int end = matching(code, i, '{', '}');
                return new EntryPoint(name, file, code.substring(i, end + 1));
            }
            i++;
        }
        return null;
    }

    /** The index of the bracket that closes the one at open. */
    private static int matching(String s, int open, char opening, char closing) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == opening) {
                depth++;
            } else if (c == closing && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /** The index of the '(' that the ')' at close closes. */
    private static int matchingBackwards(String s, int close) {
        int depth = 0;
        for (int i = close; i >= 0; i--) {
            char c = s.charAt(i);
            if (c == ')') {
                depth++;
            } else if (c == '(' && --depth == 0) {
                return i;
            }
        }
        return 0;
    }

    /** String and character literals with their contents blanked (so that braces in them do not count). */
    private static String blankLiterals(String code) {
        StringBuilder out = new StringBuilder(code);
        int i = 0;
        while (i < out.length()) {
            char c = out.charAt(i);
            if (c == '"' && i >= 7 && out.substring(i - 7, i).equals("extern ")) {
                i += "\"C\"".length();  // the linkage, kept
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < out.length() && out.charAt(j) != c) {
                    if (out.charAt(j) == '\\') {
                        out.setCharAt(j++, ' ');
                    }
                    if (j < out.length()) {
                        out.setCharAt(j++, ' ');
                    }
                }
                i = j + 1;
            } else {
                i++;
            }
        }
        return out.toString();
    }
}
