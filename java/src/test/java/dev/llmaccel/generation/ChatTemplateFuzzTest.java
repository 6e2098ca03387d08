package dev.llmaccel.generation;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Coverage-guided fuzzing of chat-template rendering: any template text either renders a short
 * conversation or fails with a ChatTemplateException; nothing else escapes from Jinjava.
 */
class ChatTemplateFuzzTest {
    private static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("Be brief."), ChatMessage.user("Hi {{ there }} {% raw %}"),
            ChatMessage.assistant("Hello!"), ChatMessage.user("héllo 🙂"));

    @FuzzTest(maxDuration = "10m")
    void render(byte[] data) {
        String source = new String(data, StandardCharsets.UTF_8);
        try {
            ChatTemplate template = new ChatTemplate(source, "<s>", "</s>");
            template.render(CONVERSATION, true);
            template.render(CONVERSATION.subList(1, 2), false);
        } catch (ChatTemplateException refused) {
            // the only other outcome allowed
        }
    }
}
