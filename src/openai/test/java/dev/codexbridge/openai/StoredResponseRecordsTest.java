package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.DoorRecords;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The door's responses in the conversation store's door records (decision 0126): what one replica
 * kept another reads whole, only by its principal, with the thread's newest response read from the
 * store; a store that does not take a write keeps the response in this process and the answer goes
 * out; a store that does not answer a read is 503 "send again", never "unknown".
 */
class StoredResponseRecordsTest {
    private static ResponseRecords.Entry entry(String id, String principal) {
        JsonNode response = Json.parse("{\"id\":\"" + id + "\",\"object\":\"response\",\"status\":\"completed\",\"output\":[{\"type\":"
                + "\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"caf\u00e9\",\"annotations\":[]}]}]}");
        JsonNode items = Json.parse("[{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"hi\"}]}]");
        return new ResponseRecords.Entry(id, principal, "thread-" + id, "turn-" + id, response, items);
    }

    private static ResponseRecords.Entry running(String id, String principal) {
        ResponseRecords.Entry done = entry(id, principal);
        return new ResponseRecords.Entry(id, principal, done.threadId(), "", ((com.fasterxml.jackson.databind.node.ObjectNode) done
                .response()).deepCopy().put("status", "in_progress").put("background", true), done.inputItems());
    }

    /** A clock another test moves by hand. */
    private static final class HandClock extends java.time.Clock {
        volatile java.time.Instant now = java.time.Instant.parse("2026-11-29T00:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return now;
        }
    }

    @Test
    void aBackgroundResponseRunningOnOneReplicaReadsInProgressOnAnotherAndFailedOnceItsWritesStopWithoutAnEnd() {
        DoorRecords shared = DoorRecords.inMemory(100);
        HandClock clock = new HandClock();
        ResponseRecords a = new StoredResponseRecords(shared, 10, clock);
        ResponseRecords b = new StoredResponseRecords(shared, 10, clock);
        assertThat(a.shared()).isTrue();
        assertThat(ResponseRecords.inMemory(10).shared()).isFalse();

        a.running(running("resp_1", "alice"), () -> true);
        assertThat(b.get("alice", "resp_1")).get().extracting(e -> e.response().path("status").asText()).isEqualTo("in_progress");
        assertThat(b.get("bob", "resp_1")).isEmpty();
        clock.now = clock.now.plus(StoredResponseRecords.RUNNING_GONE);
        assertThat(b.get("alice", "resp_1")).get().extracting(e -> e.response().path("status").asText())
                .as("written %s ago: still running", StoredResponseRecords.RUNNING_GONE).isEqualTo("in_progress");
        clock.now = clock.now.plusMillis(1);
        JsonNode gone = b.get("alice", "resp_1").orElseThrow().response();
        assertThat(gone.path("status").asText()).as("no write for longer: its replica went with it").isEqualTo("failed");
        assertThat(gone.at("/error/code").asText()).isEqualTo("server_error");
        assertThat(gone.at("/error/message").asText()).contains("stopped before its turn ended");

        // its end, once written, reads as it ended however long it ran; a running write after it is not taken
        a.put(entry("resp_1", "alice"));
        a.running(running("resp_1", "alice"), () -> false);
        clock.now = clock.now.plus(Duration.ofDays(1));
        assertThat(b.get("alice", "resp_1")).hasValue(entry("resp_1", "alice"));
    }

    @Test
    void aForegroundResponseRunningOnOneReplicaReadsInProgressOnAnotherUntilItsEndReachesTheStore() {
        FailingDoorRecords store = new FailingDoorRecords();
        ResponseRecords a = new StoredResponseRecords(store, 10);
        ResponseRecords b = new StoredResponseRecords(store.kept, 10);
        a.running(foreground("resp_1", "alice"), () -> true);
        assertThat(b.get("alice", "resp_1")).get().extracting(e -> e.response().path("status").asText()).isEqualTo("in_progress");

        // the store goes away as it ends: the end stays here, retried; the other replica reads it in progress, not unknown
        store.down = true;
        a.put(entry("resp_1", "alice"));
        assertThat(b.get("alice", "resp_1")).get().extracting(e -> e.response().path("status").asText()).isEqualTo("in_progress");
        store.down = false;
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(b.get("alice", "resp_1")).hasValue(entry("resp_1", "alice")));

        // written as it began and never made (nothing ran): gone from the store
        a.running(foreground("resp_2", "alice"), () -> true);
        a.forgetRunning("resp_2");
        assertThat(b.get("alice", "resp_2")).isEmpty();
    }

    private static ResponseRecords.Entry foreground(String id, String principal) {
        ResponseRecords.Entry done = entry(id, principal);
        return new ResponseRecords.Entry(id, principal, done.threadId(), "", ((com.fasterxml.jackson.databind.node.ObjectNode) done
                .response()).deepCopy().put("status", "in_progress"), done.inputItems());
    }

    @Test
    void aRunningWriteTheStoreDoesNotTakeIsLetGoNotRetriedAndNeverTriedWhileTheStoreIsKnownAway() {
        FailingDoorRecords store = new FailingDoorRecords();
        ResponseRecords records = new StoredResponseRecords(store, 10);
        store.down = true;
        records.running(running("resp_1", "alice"), () -> true);
        store.down = false;
        assertThat(records.get("alice", "resp_1")).as("not kept for the retries: the next write or its end follows").isEmpty();
        store.known = true;
        int tried = store.putsTried.get();
        records.running(running("resp_1", "alice"), () -> true);
        assertThat(store.putsTried.get()).isEqualTo(tried);
    }

    @Test
    void aCancelAskedOnOneReplicaIsTakenOnceByTheReplicaRunningTheResponse() {
        DoorRecords shared = DoorRecords.inMemory(100);
        ResponseRecords running = new StoredResponseRecords(shared, 10);
        ResponseRecords asking = new StoredResponseRecords(shared, 10);
        assertThat(running.takeCancelAsk("resp_1")).isFalse();
        asking.askCancel("alice", "resp_1");
        assertThat(running.takeCancelAsk("resp_1")).isTrue();
        assertThat(running.takeCancelAsk("resp_1")).as("taken once").isFalse();
        FailingDoorRecords away = new FailingDoorRecords();
        away.down = true;
        assertThatThrownBy(() -> new StoredResponseRecords(away, 10).askCancel("alice", "resp_1"))
                .isInstanceOf(OpenAiError.class).hasMessageContaining("send this again");
    }

    @Test
    void whatOneReplicaKeptAnotherReadsWholeAndOnlyByItsPrincipal() {
        DoorRecords shared = DoorRecords.inMemory(100);
        ResponseRecords a = new StoredResponseRecords(shared, 10);
        ResponseRecords b = new StoredResponseRecords(shared, 10);
        ResponseRecords.Entry e = entry("resp_1", "alice");
        a.put(e);
        a.newest("thread-resp_1", "resp_1", null);
        assertThat(b.get("alice", "resp_1")).hasValue(e);
        assertThat(b.get("bob", "resp_1")).isEmpty();
        assertThat(b.newestOn("thread-resp_1")).hasValue("resp_1");
        b.newest("thread-resp_1", "resp_2", null);
        assertThat(a.newestOn("thread-resp_1")).as("another replica went on").hasValue("resp_2");
        assertThat(b.delete("bob", "resp_1")).isFalse();
        assertThat(b.delete("alice", "resp_1")).isTrue();
        assertThat(a.get("alice", "resp_1")).isEmpty();
    }

    @Test
    void aStoreThatTakesNoWriteLeavesTheResponseInThisProcessAndOneThatDoesNotAnswerIsSendAgain() {
        FailingDoorRecords store = new FailingDoorRecords();
        ResponseRecords records = new StoredResponseRecords(store, 10);
        store.down = true;
        ResponseRecords.Entry e = entry("resp_2", "alice");
        records.put(e);
        records.newest("thread-resp_2", "resp_2", null);
        assertThat(records.get("alice", "resp_2")).as("kept here, answered from here").hasValue(e);

        assertThatThrownBy(() -> records.get("alice", "resp_other")).isInstanceOfSatisfying(OpenAiError.class,
                err -> assertThat(err.status).isEqualTo(503));
        assertThatThrownBy(() -> records.newestOn("thread-resp_2")).isInstanceOf(OpenAiError.class);
        store.down = false;
        assertThat(records.newestOn("thread-resp_2")).as("the store has none: this process's").hasValue("resp_2");
    }

    @Test
    void whatTheStoreDidNotTakeIsWrittenOnceItIsBackWithoutReplacingANewerResponseAnotherReplicaWrote() {
        FailingDoorRecords store = new FailingDoorRecords();
        ResponseRecords here = new StoredResponseRecords(store, 10);
        ResponseRecords elsewhere = new StoredResponseRecords(store.kept, 10);
        ResponseRecords.Entry first = entry("resp_1", "alice");
        here.put(first);
        here.newest("thread-resp_1", "resp_1", null);
        store.down = true;
        // the store is away as two conversations go on here: one from the newest response, one new
        ResponseRecords.Entry second = new ResponseRecords.Entry("resp_2", "alice", "thread-resp_1", "turn-2", first.response(),
                first.inputItems());
        here.put(second);
        here.newest("thread-resp_1", "resp_2", "resp_1");
        ResponseRecords.Entry other = entry("resp_3", "alice");
        here.put(other);
        here.newest("thread-resp_3", "resp_3", null);
        // and on a third thread another replica went on past what this one answered before the outage
        here.newest("thread-x", "resp_4", "resp_0");
        elsewhere.newest("thread-x", "resp_5", "resp_4");
        assertThat(elsewhere.get("alice", "resp_2")).as("not in the store yet").isEmpty();

        store.down = false;
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(elsewhere.get("alice", "resp_2")).hasValue(second);
            assertThat(elsewhere.get("alice", "resp_3")).hasValue(other);
            assertThat(elsewhere.newestOn("thread-resp_1")).hasValue("resp_2");
            assertThat(elsewhere.newestOn("thread-resp_3")).hasValue("resp_3");
            assertThat(store.kept.get(StoredResponseRecords.NEWEST, "thread-x")).isPresent();
        });
        assertThat(elsewhere.newestOn("thread-x")).as("another replica's newer response stays the newest").hasValue("resp_5");
        assertThat(elsewhere.get("bob", "resp_2")).isEmpty();
    }

    @Test
    void aResponseDeletedBeforeTheStoreTookItIsNeverWritten() throws Exception {
        FailingDoorRecords store = new FailingDoorRecords();
        ResponseRecords here = new StoredResponseRecords(store, 10);
        store.down = true;
        here.put(entry("resp_1", "alice"));
        store.down = false;
        assertThat(here.delete("alice", "resp_1")).isTrue();
        here.put(entry("resp_2", "alice"));
        Thread.sleep(StoredResponseRecords.RETRY.toMillis() * 3);
        assertThat(store.kept.get(StoredResponseRecords.RESPONSE, "resp_1")).isEmpty();
        assertThat(store.kept.get(StoredResponseRecords.RESPONSE, "resp_2")).isPresent();
    }

    @Test
    void aClosingDoorWritesWhatTheStoreTakesAgainBeforeItGoesAndNothingAfter() throws Exception {
        FailingDoorRecords store = new FailingDoorRecords();
        ResponseRecords back = new StoredResponseRecords(store, 10);
        store.down = true;
        back.put(entry("resp_1", "alice"));
        back.newest("thread-resp_1", "resp_1", null);
        store.down = false;
        back.close();
        assertThat(store.kept.get(StoredResponseRecords.RESPONSE, "resp_1")).as("written before close returned").isPresent();
        assertThat(store.kept.get(StoredResponseRecords.NEWEST, "thread-resp_1")).isPresent();

        ResponseRecords away = new StoredResponseRecords(store, 10);
        store.down = true;
        away.put(entry("resp_2", "alice"));
        away.close();
        store.down = false;
        Thread.sleep(StoredResponseRecords.RETRY.toMillis() * 3);
        assertThat(store.kept.get(StoredResponseRecords.RESPONSE, "resp_2")).as("no try after the close").isEmpty();
    }

    @Test
    void aStoreKnownNotToAnswerIsNotAskedOnTheCallersThreadAndTheRetriesWriteItOnceItIsBack() {
        FailingDoorRecords store = new FailingDoorRecords();
        ResponseRecords records = new StoredResponseRecords(store, 10);
        store.down = true;
        store.known = true;
        ResponseRecords.Entry e = entry("resp_1", "alice");
        records.put(e);
        records.newest("thread-resp_1", "resp_1", null);
        assertThat(records.get("alice", "resp_1")).as("kept here, answered from here").hasValue(e);
        int triedByTheCaller = store.putsTried.get();
        store.down = false;
        store.known = false;
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(store.kept.get(StoredResponseRecords.RESPONSE, "resp_1")).isPresent();
            assertThat(store.kept.get(StoredResponseRecords.NEWEST, "thread-resp_1")).isPresent();
        });
        assertThat(triedByTheCaller).as("the caller's put and newest waited for no store").isZero();
    }
}
