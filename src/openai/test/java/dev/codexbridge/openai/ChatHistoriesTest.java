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
}
