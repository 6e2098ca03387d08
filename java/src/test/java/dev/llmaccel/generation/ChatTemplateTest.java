package dev.llmaccel.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.SharedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatTemplateTest {
    /** system, user, assistant, user: the two-turn conversation every template must render. */
    private static final List<ChatMessage> TWO_TURNS = List.of(
            ChatMessage.system("You are terse."),
            ChatMessage.user("Hi there!"),
            ChatMessage.assistant("Hello."),
            ChatMessage.user("Name a color."));

    private static ChatTemplate shared(String file, String bos, String eos) throws IOException {
        return new ChatTemplate(Files.readString(SharedFiles.require("templates/" + file)), bos, eos);
    }

    @Test
    void qwen25() throws IOException {
        ChatTemplate t = shared("Qwen-Qwen2.5-7B-Instruct.jinja", "", "<|im_end|>");
        assertEquals("<|im_start|>system\nYou are terse.<|im_end|>\n"
                + "<|im_start|>user\nHi there!<|im_end|>\n"
                + "<|im_start|>assistant\nHello.<|im_end|>\n"
                + "<|im_start|>user\nName a color.<|im_end|>\n"
                + "<|im_start|>assistant\n", t.render(TWO_TURNS, true));
        // without a system message the template supplies its own
        assertEquals("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nHi there!<|im_end|>\n", t.render(TWO_TURNS.subList(1, 2), false));
    }

    @Test
    void llama31() throws IOException {
        ChatTemplate t = shared("meta-llama-Llama-3.1-8B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>");
        // no date_string is passed (as in transformers), so the template's default date shows
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
                + "You are terse.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi there!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nName a color.<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", t.render(TWO_TURNS, true));
    }

    @Test
    void phi35() throws IOException {
        ChatTemplate t = shared("microsoft-Phi-3.5-mini-instruct.jinja", "<s>", "<|endoftext|>");
        assertEquals("<|system|>\nYou are terse.<|end|>\n<|user|>\nHi there!<|end|>\n<|assistant|>\nHello.<|end|>\n"
                + "<|user|>\nName a color.<|end|>\n<|assistant|>\n", t.render(TWO_TURNS, true));
        // without the generation prompt the template closes with EOS
        assertTrue(t.render(TWO_TURNS, false).endsWith("<|user|>\nName a color.<|end|>\n<|endoftext|>"));
    }

    @Test
    void mistralNemo() throws IOException {
        ChatTemplate t = shared("mistralai-Mistral-Nemo-Instruct-2407.jinja", "<s>", "</s>");
        // the system message goes into the last user message; there is no generation prompt
        assertEquals("<s>[INST]Hi there![/INST]Hello.</s>[INST]You are terse.\n\nName a color.[/INST]",
                t.render(TWO_TURNS, true));
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(
                List.of(ChatMessage.user("a"), ChatMessage.user("b")), true));
        assertTrue(e.getMessage().contains("conversation roles must alternate"), e.getMessage());
    }

    @Test
    void gemma2() throws IOException {
        ChatTemplate t = shared("google-gemma-2-2b-it.jinja", "<bos>", "<eos>");
        assertFalse(t.supportsSystemRole());
        String userAssistantUser = "<bos><start_of_turn>user\nHi there!<end_of_turn>\n"
                + "<start_of_turn>model\nHello.<end_of_turn>\n"
                + "<start_of_turn>user\nName a color.<end_of_turn>\n<start_of_turn>model\n";
        assertEquals(userAssistantUser, t.render(TWO_TURNS.subList(1, 4), true));
        // Gemma refuses system messages: it is prepended to the first user message, as llama.cpp does
        assertEquals(userAssistantUser.replace("user\nHi there!", "user\nYou are terse.\nHi there!"), t.render(TWO_TURNS, true));
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> t.render(List.of(ChatMessage.assistant("a")), true));
        assertTrue(e.getMessage().contains("Conversation roles must alternate"), e.getMessage());
    }

    @Test
    void chatmlDefault() {
        ChatTemplate t = new ChatTemplate(ChatTemplate.CHATML, "", "");
        assertEquals("<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi there!<|im_end|>\n"
                + "<|im_start|>assistant\n", t.render(TWO_TURNS.subList(0, 2), true));
    }

    @Test
    void jinjaFeaturesRealTemplatesUse() {
        String src = "{%- set ns = namespace(n=0) -%}"
                + "{%- for m in messages -%}"
                + "{%- if loop.first %}[{% endif -%}"
                + "{{- m.role + ':' + m.content | trim -}}"
                + "{%- set ns.n = ns.n + 1 -%}"
                + "{%- if not loop.last %},{% else %}]{% endif -%}"
                + "{%- endfor -%}"
                + " {{ ns.n }}"  // the space before is trimmed by -%}
                + " {{ messages[-1].content | tojson }} {{ messages[1:] | length }}"
                + "{% if tools is defined %} tools{% endif %}{% if 'tool_calls' in messages[0] %} calls{% endif %}"
                + " {{ bos_token }}{{ eos_token }}";
        ChatTemplate t = new ChatTemplate(src, "<s>", "</s>");
        assertEquals("[system:a,user:\"q\"]2 \"\\\"q\\\"\" 1 <s></s>",
                t.render(List.of(ChatMessage.system("  a "), ChatMessage.user("\"q\"")), false));
    }

    @Test
    void strftimeNow() {
        ChatTemplate t = new ChatTemplate("{{ strftime_now('%Y') }}", "", "");
        String year = String.valueOf(LocalDateTime.now().getYear());
        assertTrue(t.render(List.of(), false).equals(year) || t.render(List.of(), false).equals(String.valueOf(Integer.parseInt(year) + 1)));
        assertEquals("05 Mar 2024, Tuesday 14:07:09 PM 065 %", TemplateFunctions.strftime("%d %b %Y, %A %H:%M:%S %p %j %%",
                LocalDateTime.of(2024, 3, 5, 14, 7, 9)));
    }

    @Test
    void errorsAreExceptions() {
        ChatTemplate raising = new ChatTemplate("{{ raise_exception('no way') }}", "", "");
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> raising.render(List.of(), true));
        assertTrue(e.getMessage().endsWith("no way"), e.getMessage());
        ChatTemplate unknownFunction = new ChatTemplate("{{ undefined_function() }}", "", "");
        assertThrows(ChatTemplateException.class, () -> unknownFunction.render(List.of(), true));
        assertThrows(NullPointerException.class, () -> new ChatTemplate(null, "", ""));
        assertThrows(NullPointerException.class, () -> raising.render(null, true));
    }
}
