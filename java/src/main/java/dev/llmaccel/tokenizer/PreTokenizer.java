package dev.llmaccel.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into words before byte-level BPE, by the regular expressions of the model family
 * that GGUF's {@code tokenizer.ggml.pre} names (the same families and expressions as llama.cpp).
 * The expressions are applied in turn: each one splits every piece left by the previous ones into
 * its matches and the text between them. {@code \s} is Unicode White_Space throughout.
 */
final class PreTokenizer {
    private static final String GPT2 =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    /** Llama 3's expression with its case-insensitive contractions spelled out. */
    private static final String LLAMA3 =
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen2: as Llama 3 but one digit per word. */
    private static final String QWEN2 =
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /**
     * Mistral's Tekken; "a letter that is not a-z" as llama.cpp reads the upper- and lower-case
     * classes of the original, written as class intersections.
     */
    private static final String TEKKEN =
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{L}&&[^a-z]]*[\\p{L}&&[^A-Z]]+|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}&&[^a-z]]+[\\p{L}&&[^A-Z]]*"
            + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** BLOOM and relatives: words up to whitespace or sentence punctuation (… 。 ， 、 । ۔ ،). */
    private static final String BLOOM = " ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+";

    private final String name;
    private final Pattern[] patterns;
    private final boolean ignoreMerges;
    private final boolean addBos;

    private PreTokenizer(String name, boolean ignoreMerges, boolean addBos, String... expressions) {
        this.name = name;
        this.ignoreMerges = ignoreMerges;
        this.addBos = addBos;
        this.patterns = new Pattern[expressions.length];
        for (int i = 0; i < expressions.length; i++) {
            patterns[i] = Pattern.compile(expressions[i], Pattern.UNICODE_CHARACTER_CLASS);
        }
    }

    /** The pre-tokenizer for a {@code tokenizer.ggml.pre} value, or null when it is not supported. */
    static PreTokenizer forName(String name) {
        switch (name) {
            case "default":
                return new PreTokenizer(name, false, false, "[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]");
            case "llama3": case "llama-v3": case "llama-bpe": case "falcon3":
                return new PreTokenizer(name, true, true, LLAMA3);
            case "dbrx": case "smaug-bpe": case "chatglm-bpe":
                return new PreTokenizer(name, false, false, LLAMA3);
            case "qwen2": case "deepseek-r1-qwen": case "stablelm2": case "megrez":
                return new PreTokenizer(name, false, false, QWEN2);
            case "gpt-2": case "phi-2": case "roberta-bpe": case "mpt": case "olmo": case "jais":
            case "jina-es": case "jina-de": case "jina-v1-en": case "jina-v2-es": case "jina-v2-de": case "jina-v2-code":
            case "gigachat":
                return new PreTokenizer(name, false, false, GPT2);
            case "smollm": case "starcoder": case "refact": case "command-r": case "codeshell": case "exaone": case "minerva-7b":
                return new PreTokenizer(name, false, false, "\\p{N}", GPT2);
            case "falcon":
                return new PreTokenizer(name, false, false, "[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]");
            case "deepseek-coder":
                return new PreTokenizer(name, false, false,
                        "[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[\\u4E00-\\u9FA5\\u0800-\\u4E00\\uAC00-\\uD7FF]+", "\\p{N}");
            case "tekken":
                return new PreTokenizer(name, true, true, TEKKEN);
            case "poro-chat": case "bloom": case "gpt3-finnish":
                return new PreTokenizer(name, false, false, BLOOM);
            case "viking":
                return new PreTokenizer(name, false, false, BLOOM, "\\p{N}");
            default:
                return null;
        }
    }

    String name() {
        return name;
    }

    /** Whether a word that is itself a token is taken whole instead of merged (Llama 3, Tekken). */
    boolean ignoreMerges() {
        return ignoreMerges;
    }

    /** Whether this family adds BOS by default (metadata may override). */
    boolean addBos() {
        return addBos;
    }

    /** The words of text, in order; together they are exactly text. */
    List<String> split(String text) {
        List<int[]> pieces = new ArrayList<>();
        pieces.add(new int[] {0, text.length()});
        for (Pattern pattern : patterns) {
            Matcher matcher = pattern.matcher(text);
            List<int[]> next = new ArrayList<>(pieces.size() * 2);
            for (int[] piece : pieces) {
                // Opaque region bounds: a lookahead sees the end of the piece as the end of the text.
                matcher.region(piece[0], piece[1]);
                int last = piece[0];
                while (matcher.find()) {
                    if (matcher.start() > last) {
                        next.add(new int[] {last, matcher.start()});
                    }
                    if (matcher.end() > matcher.start()) {
                        next.add(new int[] {matcher.start(), matcher.end()});
                    }
                    last = matcher.end();
                }
                if (last < piece[1]) {
                    next.add(new int[] {last, piece[1]});
                }
            }
            pieces = next;
        }
        List<String> words = new ArrayList<>(pieces.size());
        for (int[] piece : pieces) {
            words.add(text.substring(piece[0], piece[1]));
        }
        return words;
    }
}
