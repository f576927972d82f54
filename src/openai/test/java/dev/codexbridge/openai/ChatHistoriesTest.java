package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a re-sent chat history finds its codex thread: only at the thread's newest point, only the principal's own. */
class ChatHistoriesTest {
    private static Message m(String role, String text) {
        return new Message(role, List.of(new Message.Part(text, null)));
    }

    @Test
    void aHistoryReSentWithItsAnswerGoesOnWithItsThreadAndOnlyTheNewMessagesAreNew() {
        ChatHistories h = new ChatHistories(dev.codexbridge.store.DoorRecords.inMemory(100));
        List<Message> first = List.of(m("system", "be kind"), m("user", "hi"));
        assertThat(h.find("alice", first)).isNull();
        h.answered("alice", first, "Hello!", "thread-1");

        List<Message> second = new ArrayList<>(first);
        second.add(m("assistant", "Hello! "));     // the client's copy, trailing space and all
        second.add(m("user", "how are you?"));
        assertThat(h.find("alice", second)).isEqualTo(new ChatHistories.Continuation("thread-1", 3));
        // another principal sending the same history has no thread
        assertThat(h.find("bob", second)).isNull();

        h.answered("alice", second, "Fine.", "thread-1");
        List<Message> third = new ArrayList<>(second);
        third.add(m("assistant", "Fine."));
        third.add(m("user", "good"));
        assertThat(h.find("alice", third)).isEqualTo(new ChatHistories.Continuation("thread-1", 5));
        // "regenerate": the older point of the thread is no longer its newest, so it goes to a new thread
        List<Message> regenerated = new ArrayList<>(second.subList(0, 3));
        regenerated.add(m("user", "how are you, really?"));
        assertThat(h.find("alice", regenerated)).isNull();
    }

    /**
     * Tool messages right after the calls they answer, at the thread's newest point, are outputs of
     * a turn that stopped waiting (decision 0137); answering another call, or once the thread went
     * on from there (the same outputs sent again), they are not.
     */
    @Test
    void toolMessagesFollowTheirCallsOnlyAtTheThreadsNewestPoint() {
        ChatHistories h = new ChatHistories(dev.codexbridge.store.DoorRecords.inMemory(100));
        List<Message> asked = List.of(m("user", "weather in Vardo?"));
        h.asked("alice", asked, dev.codexbridge.json.Json.parse("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
                + "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"weather\",\"arguments\":\"{\\\"city\\\":\\\"Vardo\\\"}\"}}]}"),
                "thread-1");
        Message calls = new Message("assistant", List.of(new Message.Part(Message.toolCall("weather", "{\"city\":\"Vardo\"}", "call_1"), null)));
        List<Message> answered = List.of(asked.get(0), calls, m("tool", Message.toolOutput("call_1", "sleet")));

        assertThat(h.followsItsCalls("alice", answered)).isTrue();
        assertThat(h.followsItsCalls("bob", answered)).as("another principal's").isFalse();
        assertThat(h.followsItsCalls("alice", List.of(asked.get(0), calls, m("tool", Message.toolOutput("call_2", "sleet")))))
                .as("a call it did not make").isFalse();
        assertThat(h.followsItsCalls("alice", List.of(asked.get(0), calls, m("user", "never mind")))).as("no tool message").isFalse();

        h.answered("alice", answered, "Sleet in Vardo.", "thread-1");
        assertThat(h.followsItsCalls("alice", answered)).as("the thread went on from them").isFalse();
    }
}
