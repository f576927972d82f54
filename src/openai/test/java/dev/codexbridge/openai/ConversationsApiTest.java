package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.DoorRecords;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Conversations API's bookkeeping, without codex: items added wait for the next response, which
 * takes them as its input items while items added as it ran wait after it; the items list in order
 * either way, page by page; an item codex was sent is not deleted, a waiting one is; another
 * principal's conversation is unknown; more than 20 items at once are refused.
 */
class ConversationsApiTest {
    private final DoorRecords records = DoorRecords.inMemory(1000);
    private final KeptConversations kept = new KeptConversations(records);
    private final ResponseRecords responses = ResponseRecords.inMemory(100);
    private final ConversationsApi api = new ConversationsApi(kept, responses);

    private static ObjectNode withItems(String... texts) {
        ObjectNode body = Json.object();
        for (String t : texts) {
            body.withArray("items").addObject().put("type", "message").put("role", "user").put("content", t);
        }
        return body;
    }

    private static List<String> texts(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.path("data").forEach(i -> out.add(i.at("/content/0/text").asText()));
        return out;
    }

    /**
     * Two replicas' bookkeeping on one store (each its own locks), items added to one conversation
     * from both at once: every item is kept, in the order each replica added its own.
     */
    @Test
    void itemsAddedOnTwoReplicasAtOnceAreAllKept() throws Exception {
        ConversationsApi elsewhere = new ConversationsApi(new KeptConversations(records), responses);
        String id = api.create("alice", withItems("first")).path("id").asText();
        int each = 30;
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(4);
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                ConversationsApi replica = t % 2 == 0 ? api : elsewhere;
                String writer = "w" + t;
                done.add(threads.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        replica.addItems("alice", id, withItems(writer + "-" + i));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (java.util.concurrent.Future<?> f : done) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        List<String> kept = texts(elsewhere.listItems("alice", id, Map.of("order", "asc", "limit", "100")));
        List<String> all = new ArrayList<>(kept);
        // the page holds 100: read on from the last item's id until none is left
        JsonNode page = elsewhere.listItems("alice", id, Map.of("order", "asc", "limit", "100"));
        while (page.path("has_more").asBoolean()) {
            page = elsewhere.listItems("alice", id, Map.of("order", "asc", "limit", "100", "after", page.path("last_id").asText()));
            all.addAll(texts(page));
        }
        assertThat(all).hasSize(1 + 4 * each).startsWith("first");
        for (int t = 0; t < 4; t++) {
            String writer = "w" + t;
            List<String> own = all.stream().filter(x -> x.startsWith(writer + "-")).toList();
            assertThat(own).as(writer + "'s items, in its order").containsExactlyElementsOf(
                    java.util.stream.IntStream.range(0, each).mapToObj(i -> writer + "-" + i).toList());
        }
    }

    @Test
    void itemsWaitForTheNextResponseAndListInOrderPageByPage() {
        String id = api.create("alice", withItems("one", "two")).path("id").asText();
        KeptConversations.State s = kept.get("alice", id);
        assertThat(s.pending()).hasSize(2);

        // a response gave codex the two waiting items; "three" was added while it ran
        api.addItems("alice", id, withItems("three"));
        Set<String> sent = Set.of(s.pending().get(0).path("id").asText(), s.pending().get(1).path("id").asText());
        JsonNode input = s.pending().deepCopy();
        ((com.fasterxml.jackson.databind.node.ArrayNode) input).addObject().put("id", "msg_new").put("type", "message")
                .put("role", "user").putArray("content").addObject().put("type", "input_text").put("text", "asked");
        JsonNode response = Json.parse("{\"id\":\"resp_1\",\"output\":[{\"id\":\"msg_out\",\"type\":\"message\",\"role\":\"assistant\","
                + "\"content\":[{\"type\":\"output_text\",\"text\":\"answered\"}]}]}");
        responses.put(new ResponseRecords.Entry("resp_1", "alice", "thread-1", "turn-1", response, input));
        kept.change("alice", id, c -> c.withResponse("resp_1", "thread-1", sent));

        assertThat(texts(api.listItems("alice", id, Map.of("order", "asc", "limit", "100"))))
                .containsExactly("one", "two", "asked", "answered", "three");
        assertThat(texts(api.listItems("alice", id, Map.of()))).containsExactly("three", "answered", "asked", "two", "one");
        JsonNode page = api.listItems("alice", id, Map.of("order", "asc", "limit", "2"));
        assertThat(texts(page)).containsExactly("one", "two");
        assertThat(page.path("has_more").asBoolean()).isTrue();
        JsonNode next = api.listItems("alice", id, Map.of("order", "asc", "limit", "2", "after", page.path("last_id").asText()));
        assertThat(texts(next)).containsExactly("asked", "answered");
        assertThat(kept.get("alice", id).threadId()).isEqualTo("thread-1");
        assertThat(kept.get("alice", id).pending()).hasSize(1);

        String sentItem = s.pending().get(0).path("id").asText();
        assertThatThrownBy(() -> api.deleteItem("alice", id, sentItem)).isInstanceOfSatisfying(OpenAiError.class,
                e -> assertThat(e.status).isEqualTo(400));
        String waiting = kept.get("alice", id).pending().get(0).path("id").asText();
        api.deleteItem("alice", id, waiting);
        assertThat(kept.get("alice", id).pending()).isEmpty();
        assertThatThrownBy(() -> api.deleteItem("alice", id, "msg_nobody")).isInstanceOfSatisfying(OpenAiError.class,
                e -> assertThat(e.status).isEqualTo(404));
    }

    @Test
    void anotherPrincipalsConversationIsUnknownAndTooManyItemsAreRefused() {
        String id = api.create("alice", null).path("id").asText();
        assertThatThrownBy(() -> api.get("bob", id)).isInstanceOfSatisfying(OpenAiError.class, e -> assertThat(e.status).isEqualTo(404));
        assertThatThrownBy(() -> api.addItems("bob", id, withItems("mine"))).isInstanceOfSatisfying(OpenAiError.class,
                e -> assertThat(e.status).isEqualTo(404));
        assertThatThrownBy(() -> api.delete("bob", id)).isInstanceOfSatisfying(OpenAiError.class, e -> assertThat(e.status).isEqualTo(404));
        String[] many = new String[ConversationsApi.MAX_ITEMS_AT_ONCE + 1];
        java.util.Arrays.fill(many, "x");
        assertThatThrownBy(() -> api.addItems("alice", id, withItems(many))).isInstanceOfSatisfying(OpenAiError.class,
                e -> assertThat(e.param).isEqualTo("items"));
        assertThat(api.listItems("alice", id, Map.of()).path("data")).isEmpty();
        assertThat(api.delete("alice", id).path("deleted").asBoolean()).isTrue();
        assertThatThrownBy(() -> api.get("alice", id)).isInstanceOf(OpenAiError.class);
    }
}
