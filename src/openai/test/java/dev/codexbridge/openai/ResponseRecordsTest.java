package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import org.junit.jupiter.api.Test;

/**
 * What the door keeps of its responses in memory (issue 80): as it answered them, read back whole;
 * at most its bound, the least recently used forgotten, and a forgotten response is answered as an
 * id nobody used; another principal's id is never found, whether kept or forgotten.
 */
class ResponseRecordsTest {
    private static ResponseRecords.Entry entry(String id, String principal, String text) {
        JsonNode response = Json.parse("{\"id\":\"" + id + "\",\"object\":\"response\",\"status\":\"completed\",\"output\":[{\"type\":"
                + "\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"" + text + "\",\"annotations\":[]}]}],"
                + "\"usage\":{\"input_tokens\":12,\"output_tokens\":3},\"metadata\":{},\"tools\":[]}");
        JsonNode items = Json.parse("[{\"id\":\"msg_" + id + "\",\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":"
                + "\"input_text\",\"text\":\"hello\"}]}]");
        return new ResponseRecords.Entry(id, principal, "thread-" + id, "turn-" + id, response, items);
    }

    @Test
    void aResponseIsReadBackAsItWasAnsweredAndOnlyByItsPrincipal() {
        ResponseRecords records = ResponseRecords.inMemory(10);
        ResponseRecords.Entry e = entry("resp_1", "alice", "caf\u00e9 \u2603 \\\"quoted\\\"");
        records.put(e);
        ResponseRecords.Entry back = records.get("alice", "resp_1").orElseThrow();
        assertThat(back).isEqualTo(e);
        assertThat(records.get("bob", "resp_1")).isEmpty();
        assertThat(records.delete("bob", "resp_1")).isFalse();
        assertThat(records.get("alice", "resp_1")).isPresent();
        assertThat(records.delete("alice", "resp_1")).isTrue();
        assertThat(records.get("alice", "resp_1")).isEmpty();
    }

    @Test
    void pastItsBoundTheLeastRecentlyUsedResponseIsForgottenAndAnsweredAsUnknown() {
        ResponseRecords records = ResponseRecords.inMemory(2);
        records.put(entry("r1", "alice", "one"));
        records.put(entry("r2", "bob", "two"));
        assertThat(records.get("alice", "r1")).as("read: used").isPresent();
        records.put(entry("r3", "alice", "three"));
        assertThat(records.get("bob", "r2")).as("the least recently used").isEmpty();
        assertThat(records.get("alice", "r2")).as("nobody's").isEmpty();
        assertThat(records.get("alice", "r1")).isPresent();
        records.newest("thread-a", "r1", null);
        records.newest("thread-b", "r2", null);
        records.newest("thread-c", "r3", null);
        assertThat(records.newestOn("thread-a")).isEmpty();
        assertThat(records.newestOn("thread-c")).contains("r3");
    }

    @Test
    void aShortResponseIsKeptInLessThanHalfItsJson() {
        ResponseRecords.Entry e = entry("resp_0123456789abcdef0123456789abcdef", "alice", "Offline demo (scripted model): you said hello");
        int json = (Json.write(e.response()) + Json.write(e.inputItems())).length();
        // the preset dictionary holds what every response repeats: a short one keeps well under half its JSON
        assertThat(ResponseRecords.Kept.of(e).json().length).isLessThan(json / 2);
    }
}
