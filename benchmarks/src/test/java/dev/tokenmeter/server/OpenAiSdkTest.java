package dev.tokenmeter.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK, a client nobody here wrote, against tokenmeter server: both APIs, both modes. */
class OpenAiSdkTest {
    private static TestServer t;
    private static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        t = new TestServer(4, 128, Duration.ofSeconds(5));
        client = OpenAIOkHttpClient.builder().baseUrl(t.server.uri() + "/v1").apiKey("unused").maxRetries(0)
                .timeout(Duration.ofSeconds(30)).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        t.close();
    }

    private static int[] words(String text) {
        return WordTokenizer.encode(text, TestServer.TINY.vocab());
    }

    private static void usage(CompletionUsage u, int prompt, int completion) {
        assertEquals(prompt, u.promptTokens());
        assertEquals(completion, u.completionTokens());
        assertEquals(prompt + completion, u.totalTokens());
    }

    @Test
    void completions() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model("tiny")
                .prompt("measure what users run").maxTokens(6).build());
        assertArrayEquals(t.greedy(words("measure what users run"), 6),
                WordTokenizer.parse(c.choices().get(0).text()));
        assertEquals("length", c.choices().get(0).finishReason().asString());
        usage(c.usage().orElseThrow(), 4, 6);
    }

    @Test
    void streamedCompletions() {
        StringBuilder text = new StringBuilder();
        List<CompletionUsage> usages = new ArrayList<>();
        try (StreamResponse<Completion> s = client.completions().createStreaming(CompletionCreateParams.builder()
                .model("tiny").prompt("one two three").maxTokens(5)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            s.stream().forEach(c -> {
                c.choices().forEach(ch -> text.append(ch.text()));
                c.usage().ifPresent(usages::add);
            });
        }
        assertArrayEquals(t.greedy(words("one two three"), 5), WordTokenizer.parse(text.toString()));
        assertEquals(1, usages.size());
        usage(usages.get(0), 3, 5);
    }

    @Test
    void chat() {
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model("tiny")
                .addSystemMessage("be brief").addUserMessage("what is a token").maxCompletionTokens(4).build());
        String content = c.choices().get(0).message().content().orElseThrow();
        assertArrayEquals(t.greedy(words("be brief\nwhat is a token"), 4), WordTokenizer.parse(content));
        usage(c.usage().orElseThrow(), 6, 4);
    }

    @Test
    void streamedChat() {
        StringBuilder text = new StringBuilder();
        List<CompletionUsage> usages = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("tiny").addUserMessage("stream me").maxCompletionTokens(7)
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            s.stream().forEach(c -> {
                c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append));
                c.usage().ifPresent(usages::add);
            });
        }
        assertArrayEquals(t.greedy(words("stream me"), 7), WordTokenizer.parse(text.toString()));
        usage(usages.get(usages.size() - 1), 2, 7);
    }

    @Test
    void anUnknownModelIsTheSdksNotFound() {
        NotFoundException e = assertThrows(NotFoundException.class, () -> client.completions().create(
                CompletionCreateParams.builder().model("gpt-4o").prompt("x").maxTokens(1).build()));
        assertEquals(404, e.statusCode());
    }
}
