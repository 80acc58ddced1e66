package dev.tokenmeter.endpoint;

import static dev.tokenmeter.endpoint.ScriptedServer.chunk;
import static dev.tokenmeter.endpoint.ScriptedServer.usageChunk;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmeter.serving.RequestFailure;
import org.junit.jupiter.api.Test;

class StreamAccountTest {
    @Test
    void continuousUsageGivesEachChunkItsTokens() {
        StreamAccount a = new StreamAccount(8, 6, false);
        a.event(chunk("", null, 8, 0), 5);
        a.event(chunk("ab", null, 8, 1), 10);
        a.event(chunk("cdef", null, 8, 4), 20);
        a.event(chunk("g", "length", 8, 6), 30);
        a.event(usageChunk(8, 6), 31);
        a.event("[DONE]", 32);
        a.end(false);
        assertNull(a.failure());
        assertFalse(a.reconciled());
        assertArrayEquals(new long[] {10, 20, 20, 20, 30, 30}, a.tokenNanos());
        assertArrayEquals(new int[] {1, 3, 2}, a.chunkTokens());
        assertEquals(-1, a.promptTokens(), "the server counted the prompt as asked");
    }

    @Test
    void withoutContinuousUsageEachChunkWithTextIsOneToken() {
        StreamAccount a = new StreamAccount(8, 3, false);
        a.event(chunk("a", null, 0, -1), 10);
        a.event(chunk("", null, 0, -1), 15);
        a.event(chunk("b", null, 0, -1), 20);
        a.event(chunk("c", "length", 0, -1), 30);
        a.event(usageChunk(9, 3), 31);
        a.event("[DONE]", 32);
        a.end(false);
        assertNull(a.failure());
        assertFalse(a.reconciled());
        assertArrayEquals(new long[] {10, 20, 30}, a.tokenNanos());
        assertArrayEquals(new int[] {1, 1, 1}, a.chunkTokens());
        assertEquals(9, a.promptTokens(), "the server's count where it differs from the asked");
    }

    @Test
    void theServersTotalWinsOverTheChunksCount() {
        StreamAccount more = new StreamAccount(8, 4, false);
        more.event(chunk("a", null, 0, -1), 10);
        more.event(chunk("bc", null, 0, -1), 20);
        more.event(usageChunk(8, 4), 30);
        more.event("[DONE]", 31);
        more.end(false);
        assertTrue(more.reconciled());
        assertNull(more.failure());
        assertArrayEquals(new long[] {10, 20, 20, 20}, more.tokenNanos(), "extra tokens join the last chunk");
        assertArrayEquals(new int[] {1, 3}, more.chunkTokens());

        StreamAccount fewer = new StreamAccount(8, 2, false);
        for (int i = 1; i <= 3; i++) {
            fewer.event(chunk("x", null, 0, -1), i * 10);
        }
        fewer.event(usageChunk(8, 2), 40);
        fewer.event("[DONE]", 41);
        fewer.end(false);
        assertTrue(fewer.reconciled());
        assertNull(fewer.failure());
        assertArrayEquals(new long[] {10, 20}, fewer.tokenNanos(), "surplus tokens dropped from the end");
    }

    @Test
    void usageWithoutAnyTextChunkIsOneChunkAtTheUsagesTime() {
        StreamAccount a = new StreamAccount(8, 2, false);
        a.event(usageChunk(8, 2), 50);
        a.event("[DONE]", 51);
        a.end(false);
        assertNull(a.failure());
        assertArrayEquals(new long[] {50, 50}, a.tokenNanos());
        assertArrayEquals(new int[] {2}, a.chunkTokens());
    }

    @Test
    void chatTakesThePromptFromUsageAndNeedsIt() {
        StreamAccount a = new StreamAccount(8, 1, true);
        a.event("{\"choices\":[{\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"length\"}]}", 10);
        a.event("{\"choices\":[],\"usage\":{\"prompt_tokens\":17,\"completion_tokens\":1}}", 11);
        a.event("[DONE]", 12);
        a.end(false);
        assertNull(a.failure());
        assertEquals(17, a.promptTokens());

        StreamAccount none = new StreamAccount(8, 1, true);
        none.event("{\"choices\":[{\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"length\"}]}", 10);
        none.event("[DONE]", 12);
        none.end(false);
        assertEquals(RequestFailure.Kind.MALFORMED_STREAM, none.failure().kind());
        assertTrue(none.failure().detail().contains("usage.prompt_tokens"), none.failure().detail());
    }

    @Test
    void failuresOfTheStreamItself() {
        StreamAccount noDone = new StreamAccount(8, 1, false);
        noDone.event(chunk("a", "length", 8, 1), 10);
        noDone.end(false);
        assertEquals("malformed-stream: the stream ended without [DONE] after 1 tokens", noDone.failure().toString());

        StreamAccount bad = new StreamAccount(8, 2, false);
        bad.event(chunk("a", null, 8, 1), 10);
        assertFalse(bad.event("{not json", 20));
        assertEquals(RequestFailure.Kind.MALFORMED_STREAM, bad.failure().kind());
        assertArrayEquals(new long[] {10}, bad.tokenNanos(), "the tokens received so far are kept");

        StreamAccount error = new StreamAccount(8, 2, false);
        assertFalse(error.event("{\"error\":{\"message\":\"out of memory\",\"code\":500}}", 10));
        assertEquals("server-error: the stream carried an error after 0 tokens: out of memory",
                error.failure().toString());
    }

    @Test
    void tooFewOrTooManyTokens() {
        StreamAccount shortOne = new StreamAccount(8, 4, false);
        shortOne.event(chunk("a", "stop", 8, 1), 10);
        shortOne.event("[DONE]", 11);
        shortOne.end(false);
        assertEquals("short-output: 1 of 4 tokens (finish_reason stop)", shortOne.failure().toString());

        StreamAccount longOne = new StreamAccount(8, 2, false);
        longOne.event(chunk("a", null, 8, 1), 10);
        longOne.event(chunk("bc", null, 8, 3), 20);
        longOne.event(chunk("d", "length", 8, 4), 30);
        longOne.event("[DONE]", 31);
        longOne.end(false);
        assertEquals("long-output: the server sent 4 tokens for max_tokens 2 (the first 2 kept)",
                longOne.failure().toString());
        assertArrayEquals(new long[] {10, 20}, longOne.tokenNanos());
        assertArrayEquals(new int[] {1, 1}, longOne.chunkTokens(), "the chunk that crosses the limit is cut");
    }

    @Test
    void theChatPromptIsOneWordPerTokenIdFromAFixedList() {
        assertEquals(128, java.util.Set.of(RequestBodies.WORDS).size());
        assertEquals("the of the and", RequestBodies.chatText(new int[] {0, 1, 128, 2}));
        assertEquals("national", RequestBodies.chatText(new int[] {127}));
    }
}
