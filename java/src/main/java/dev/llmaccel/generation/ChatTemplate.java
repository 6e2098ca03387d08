package dev.llmaccel.generation;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model's chat template (GGUF's {@code tokenizer.chat_template}, Hugging Face's
 * {@code chat_template}): Jinja that turns a conversation into the prompt text the model was
 * trained on. Rendered with Jinjava set up like Hugging Face's environment (trim_blocks,
 * lstrip_blocks, Python operator precedence, {@code {{- -}}} trimming), with the variables and
 * functions real templates use: {@code messages}, {@code add_generation_prompt},
 * {@code bos_token}, {@code eos_token}, {@code raise_exception}, {@code strftime_now};
 * {@code tools} is left undefined.
 *
 * <p>Templates that refuse a system message (Gemma's) get it prepended to the first user
 * message, separated by a newline, as llama.cpp does.
 */
public final class ChatTemplate {
    /** ChatML, llama.cpp's choice when a model ships no template. */
    public static final String CHATML = "{% for message in messages %}"
            + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static final String SYSTEM_PROBE = "<system probe 7f3a>";

    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final Jinjava jinjava;
    private final boolean systemRole;

    /**
     * @param source the Jinja text
     * @param bosToken text of the BOS token ("" when none)
     * @param eosToken text of the EOS token ("" when none)
     */
    public ChatTemplate(String source, String bosToken, String eosToken) {
        this.source = Objects.requireNonNull(source, "source");
        this.bosToken = Objects.requireNonNull(bosToken, "bosToken");
        this.eosToken = Objects.requireNonNull(eosToken, "eosToken");
        this.jinjava = newJinjava();
        this.systemRole = probeSystemRole();
    }

    /**
     * The template for a model with this tokenizer: source rendered with the tokenizer's BOS and
     * EOS texts ("" where the vocabulary has none).
     */
    public static ChatTemplate of(String source, Tokenizer tokenizer) {
        Objects.requireNonNull(tokenizer, "tokenizer");
        String bos = tokenizer.bosId() >= 0 ? tokenizer.tokenText(tokenizer.bosId()) : "";
        String eos = tokenizer.eosId() >= 0 ? tokenizer.tokenText(tokenizer.eosId()) : "";
        return new ChatTemplate(source, bos, eos);
    }

    /**
     * The template a GGUF file ships ({@code tokenizer.chat_template}), or {@link #CHATML} when it has none.
     *
     * @throws ModelFormatException when the key holds something other than a string
     */
    public static ChatTemplate fromGguf(GgufFile gguf, Tokenizer tokenizer) throws ModelFormatException {
        Objects.requireNonNull(gguf, "gguf");
        return of(gguf.getString("tokenizer.chat_template", CHATML), tokenizer);
    }

    /** The Jinja text. */
    public String source() {
        return source;
    }

    /** Whether the template takes system messages itself (else they are merged into the first user message). */
    public boolean supportsSystemRole() {
        return systemRole;
    }

    /**
     * The prompt for a conversation.
     *
     * @param addGenerationPrompt whether to end with the opening of an assistant turn
     * @throws ChatTemplateException when the template refuses the conversation or cannot be rendered
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        Objects.requireNonNull(messages, "messages");
        List<ChatMessage> adjusted = systemRole ? messages : mergeSystemIntoUser(messages);
        return renderRaw(adjusted, addGenerationPrompt);
    }

    private String renderRaw(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            list.add(map);
        }
        Map<String, Object> context = new HashMap<>();
        context.put("messages", list);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        TemplateFunctions.RAISED.remove();
        RenderResult result = jinjava.renderForResult(source, context);
        String raised = TemplateFunctions.RAISED.get();
        TemplateFunctions.RAISED.remove();
        if (raised != null) {
            throw new ChatTemplateException("the chat template refused the conversation: " + raised);
        }
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new ChatTemplateException("the chat template failed at line " + e.getLineno() + ": " + e.getMessage());
            }
        }
        return result.getOutput();
    }

    /** Whether a system message's text reaches the output (minja's probe, as llama.cpp uses it). */
    private boolean probeSystemRole() {
        try {
            return renderRaw(List.of(ChatMessage.system(SYSTEM_PROBE), ChatMessage.user("hi")), false).contains(SYSTEM_PROBE);
        } catch (ChatTemplateException e) {
            return false;
        }
    }

    /** System messages joined by newlines and put in front of the next user message. */
    private static List<ChatMessage> mergeSystemIntoUser(List<ChatMessage> messages) {
        List<ChatMessage> out = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (ChatMessage m : messages) {
            if (m.role().equals("system")) {
                if (pending.length() > 0) {
                    pending.append('\n');
                }
                pending.append(m.content());
                continue;
            }
            if (pending.length() > 0) {
                if (m.role().equals("user")) {
                    out.add(ChatMessage.user(m.content().isEmpty() ? pending.toString() : pending + "\n" + m.content()));
                } else {
                    out.add(ChatMessage.user(pending.toString()));
                    out.add(m);
                }
                pending.setLength(0);
                continue;
            }
            out.add(m);
        }
        if (pending.length() > 0) {
            out.add(ChatMessage.user(pending.toString()));
        }
        return out;
    }

    private static Jinjava newJinjava() {
        LegacyOverrides python = LegacyOverrides.newBuilder()
                .withUseTrimmingForNotesAndExpressions(true)   // {{- x -}} trims like Jinja2
                .withParseWhitespaceControlStrictly(true)
                .withUseNaturalOperatorPrecedence(true)         // 'a' + b | trim filters b only
                .withEvaluateMapKeys(true)
                .withIterateOverMapKeys(true)
                .withUsePyishObjectMapper(true)
                .withKeepNullableLoopValues(true)
                .build();
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withLegacyOverrides(python)
                .build();
        Jinjava j = new Jinjava(config);
        j.getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "raise_exception", TemplateFunctions.class, "raiseException", String.class));
        j.getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "strftime_now", TemplateFunctions.class, "strftimeNow", String.class));
        return j;
    }
}
