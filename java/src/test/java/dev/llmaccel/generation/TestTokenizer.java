package dev.llmaccel.generation;

import dev.llmaccel.tokenizer.TokenDecoder;
import dev.llmaccel.tokenizer.TokenType;
import dev.llmaccel.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A 40-token vocabulary for generator tests: BOS "&lt;s&gt;" (0), EOS "&lt;/s&gt;" (1), single
 * characters and a few two- and three-letter pieces; encoding takes the longest piece first.
 */
final class TestTokenizer implements Tokenizer {
    static final int VOCAB = 40;
    private static final String CHARS = "abcdefghijklmnopqrstuvwxyz .,!?";
    private static final String[] PIECES = {"th", "an", "in", "er", "on", "at", "ing"};
    private final List<String> vocab = new ArrayList<>();

    TestTokenizer() {
        vocab.add("<s>");
        vocab.add("</s>");
        for (char c : CHARS.toCharArray()) {
            vocab.add(String.valueOf(c));
        }
        vocab.addAll(List.of(PIECES));
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        List<Integer> ids = new ArrayList<>();
        if (addSpecial) {
            ids.add(0);
        }
        int i = 0;
        while (i < text.length()) {
            int best = -1;
            for (int id = parseSpecial ? 0 : 2; id < vocab.size(); id++) {
                if (text.startsWith(vocab.get(id), i) && (best < 0 || vocab.get(id).length() > vocab.get(best).length())) {
                    best = id;
                }
            }
            if (best < 0) {
                throw new IllegalArgumentException("no token for '" + text.charAt(i) + "'");
            }
            ids.add(best);
            i += vocab.get(best).length();
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder s = new StringBuilder();
        for (int id : ids) {
            s.append(text(id));
        }
        return s.toString();
    }

    @Override
    public TokenDecoder streamingDecoder() {
        return new TokenDecoder() {
            @Override
            public String next(int id) {
                return text(id);
            }

            @Override
            public String flush() {
                return "";
            }
        };
    }

    private String text(int id) {
        if (id < 0 || id >= vocab.size()) {
            throw new IllegalArgumentException("id " + id);
        }
        return id < 2 ? "" : vocab.get(id);
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public String tokenText(int id) {
        return vocab.get(id);
    }

    @Override
    public byte[] tokenBytes(int id) {
        return text(id).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public TokenType tokenType(int id) {
        return id < 2 ? TokenType.CONTROL : TokenType.NORMAL;
    }

    @Override
    public int bosId() {
        return 0;
    }

    @Override
    public int eosId() {
        return 1;
    }

    @Override
    public int padId() {
        return -1;
    }

    @Override
    public int unknownId() {
        return -1;
    }

    @Override
    public boolean isEndOfGeneration(int id) {
        return id == 1;
    }

    @Override
    public int specialTokenId(String text) {
        return text.equals("<s>") ? 0 : text.equals("</s>") ? 1 : -1;
    }
}
