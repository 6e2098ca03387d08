package dev.llmaccel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.cli.CliTest.Run;
import dev.llmaccel.model.llama.LlamaConfig;
import dev.llmaccel.model.llama.RandomLlamaModel;
import dev.llmaccel.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The grammar flags of generate and chat: --grammar, --grammar-file, --json-schema TEXT|@FILE, -j. */
class GrammarCliTest {
    private static final String PROMPT = "Answer: ";
    private static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void writeModel() throws IOException {
        model = dir.resolve("tiny.gguf");
        RandomLlamaModel.write(model, new LlamaConfig("llama", 32, 48, 1, 2, 1, 16, 300, 512, 1e-5f,
                RopeParams.of(RopeStyle.NORMAL, 10000), false, false, true), DType.F32, 5);
    }

    /** What generate wrote after the prompt (its output is the prompt, the continuation, a newline). */
    private static String continuation(Run r) {
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith(PROMPT) && r.out().endsWith("\n"), r.out());
        return r.out().substring(PROMPT.length(), r.out().length() - 1);
    }

    private static Run generate(String... flags) {
        String[] args = new String[5 + flags.length];
        System.arraycopy(new String[] {"generate", "-m", model.toString(), "-p", PROMPT}, 0, args, 0, 5);
        System.arraycopy(flags, 0, args, 5, flags.length);
        return CliTest.run("", args);
    }

    @Test
    void jsonFlagWritesAJsonValue() throws IOException {
        for (String seed : new String[] {"--seed=1", "--seed=2", "--seed=3"}) {
            String text = continuation(generate("-j", "-n", "30", seed));
            STRICT.readTree(text);
        }
    }

    @Test
    void inlineGrammar() {
        String text = continuation(generate("--grammar", "root ::= (\"yes\" | \"no\") \"!\"", "-n", "10", "--seed=3"));
        assertTrue(text.equals("yes!") || text.equals("no!"), text);
    }

    @Test
    void grammarFromAFile() throws IOException {
        Path file = Files.writeString(dir.resolve("digits.gbnf"), "# three digits then a dot\nroot ::= [0-9]{3} \".\"\n");
        String text = continuation(generate("--grammar-file", file.toString(), "-n", "10", "--seed=3"));
        assertTrue(text.matches("[0-9]{3}\\."), text);
    }

    @Test
    void jsonSchemaInlineAndFromAFile() throws IOException {
        String schema = "{\"type\": \"object\", \"properties\": {\"ok\": {\"type\": \"boolean\"}, \"n\": {\"type\": \"integer\","
                + " \"minimum\": 1, \"maximum\": 9}}, \"required\": [\"ok\", \"n\"]}";
        for (String arg : new String[] {schema, "@" + Files.writeString(dir.resolve("schema.json"), schema)}) {
            JsonNode value = STRICT.readTree(continuation(generate("--json-schema", arg, "-n", "40", "--seed=3")));
            assertTrue(value.get("ok").isBoolean(), value.toString());
            assertTrue(value.get("n").asInt() >= 1 && value.get("n").asInt() <= 9, value.toString());
        }
    }

    @Test
    void chatRepliesFollowTheGrammar() throws IOException {
        Run r = CliTest.run("hello\nagain\n", "chat", "-m", model.toString(), "-j", "-n", "30", "--seed=4");
        assertEquals(0, r.exit(), r.err());
        // two JSON values, each reply followed by a newline (a reply may end in whitespace, which JSON allows)
        List<JsonNode> replies = new ObjectMapper().readerFor(JsonNode.class).<JsonNode>readValues(r.out()).readAll();
        assertEquals(2, replies.size(), () -> r.out() + "\n" + r.err());
    }

    @Test
    void badGrammarsAreUsageErrorsNamingTheFlagAndPlace() throws IOException {
        Run inline = generate("--grammar", "root ::= \"a\" | \n  [z-a]");
        assertEquals(Main.EXIT_USAGE, inline.exit());
        assertEquals("", inline.out(), "nothing printed: the grammar is checked before the model loads");
        assertTrue(inline.err().contains("--grammar: line 2, column 4: range z-a goes backwards"), inline.err());

        Path file = Files.writeString(dir.resolve("bad.gbnf"), "root ::= item\n");
        Run fromFile = generate("--grammar-file", file.toString());
        assertEquals(Main.EXIT_USAGE, fromFile.exit());
        assertTrue(fromFile.err().contains("--grammar-file " + file + ": line 1, column 10: undefined rule 'item'"), fromFile.err());

        Run schema = generate("--json-schema", "{\"type\": \"string\", \"format\": \"email\"}");
        assertEquals(Main.EXIT_USAGE, schema.exit());
        assertTrue(schema.err().contains("--json-schema: #/format: string format \"email\" is not supported"), schema.err());

        Run missing = generate("--json-schema", "@" + dir.resolve("absent.json"));
        assertEquals(Main.EXIT_FAILURE, missing.exit());
        assertTrue(missing.err().contains("JSON Schema file not found"), missing.err());

        Run two = generate("-j", "--grammar", "root ::= \"a\"");
        assertEquals(Main.EXIT_USAGE, two.exit());
        assertTrue(two.err().contains("use one of --grammar, --json, not several"), two.err());
    }

    @Test
    void helpListsTheFlags() {
        Run r = CliTest.run("", "generate", "--help");
        for (String flag : new String[] {"--grammar", "--grammar-file", "--json-schema", "-j, --json"}) {
            assertTrue(r.out().contains(flag), r.out());
        }
    }
}
