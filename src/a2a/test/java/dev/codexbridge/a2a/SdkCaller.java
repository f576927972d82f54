package dev.codexbridge.a2a;

import io.a2a.A2A;
import io.a2a.client.Client;
import io.a2a.client.ClientEvent;
import io.a2a.client.TaskEvent;
import io.a2a.client.TaskUpdateEvent;
import io.a2a.client.config.ClientConfig;
import io.a2a.client.transport.jsonrpc.JSONRPCTransport;
import io.a2a.client.transport.jsonrpc.JSONRPCTransportConfig;
import io.a2a.client.transport.spi.interceptors.ClientCallContext;
import io.a2a.spec.A2AClientException;
import io.a2a.spec.AgentCard;
import io.a2a.spec.DataPart;
import io.a2a.spec.Message;
import io.a2a.spec.Part;
import io.a2a.spec.Task;
import io.a2a.spec.TaskIdParams;
import io.a2a.spec.TaskQueryParams;
import io.a2a.spec.TaskState;
import io.a2a.spec.TaskStatusUpdateEvent;
import io.a2a.spec.TextPart;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** One caller (principal) speaking to the server through the A2A Java SDK's JSON-RPC client. */
final class SdkCaller implements AutoCloseable {
    final AgentCard card;
    private final Client blocking;
    private final Client streaming;
    private final ClientCallContext auth;

    SdkCaller(String baseUrl, String token) throws Exception {
        this.card = A2A.getAgentCard(baseUrl);
        this.auth = new ClientCallContext(Map.of(), Map.of("Authorization", "Bearer " + token));
        this.blocking = client(false);
        this.streaming = client(true);
    }

    private Client client(boolean stream) throws A2AClientException {
        return Client.builder(card).withTransport(JSONRPCTransport.class, new JSONRPCTransportConfig())
                .clientConfig(new ClientConfig.Builder().setStreaming(stream).build()).build();
    }

    static Message text(String text, String contextId, String taskId) {
        return new Message.Builder().role(Message.Role.USER).messageId(UUID.randomUUID().toString())
                .parts(List.<Part<?>>of(new TextPart(text))).contextId(contextId).taskId(taskId).build();
    }

    static Message decision(String taskId, String decision) {
        return new Message.Builder().role(Message.Role.USER).messageId(UUID.randomUUID().toString())
                .parts(List.<Part<?>>of(new DataPart(Map.of("decision", decision)))).taskId(taskId).build();
    }

    /** A blocking {@code message/send}: the task once it ended or waits for an answer. */
    Task send(Message message) throws Exception {
        AtomicReference<Task> last = new AtomicReference<>();
        CompletableFuture<Throwable> error = new CompletableFuture<>();
        blocking.sendMessage(message, List.of((event, card) -> {
            if (event instanceof TaskEvent t) {
                last.set(t.getTask());
            }
        }), error::complete, auth);
        if (last.get() == null) {
            throw new AssertionError("no task came back", error.getNow(null));
        }
        return last.get();
    }

    /** A {@code message/stream}, its events until the stream's final one. */
    List<ClientEvent> stream(Message message) throws Exception {
        return stream(message, e -> { }, () -> null);
    }

    /** A {@code message/stream} that hands each event to {@code seen} and runs {@code meanwhile} while it is open. */
    List<ClientEvent> stream(Message message, Consumer<ClientEvent> seen, Callable<?> meanwhile) throws Exception {
        List<ClientEvent> events = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> done = new CompletableFuture<>();
        streaming.sendMessage(message, List.of((event, card) -> {
            seen.accept(event);
            collect(events, done, event);
        }), done::completeExceptionally, auth);
        meanwhile.call();
        done.get(90, TimeUnit.SECONDS);
        return new ArrayList<>(events);
    }

    /** A {@code tasks/resubscribe}, its events until the stream's final one. */
    List<ClientEvent> resubscribe(String taskId) throws Exception {
        List<ClientEvent> events = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> done = new CompletableFuture<>();
        streaming.resubscribe(new TaskIdParams(taskId), List.of((event, card) -> collect(events, done, event)),
                done::completeExceptionally, auth);
        done.get(90, TimeUnit.SECONDS);
        return new ArrayList<>(events);
    }

    private static void collect(List<ClientEvent> events, CompletableFuture<Void> done, ClientEvent event) {
        events.add(event);
        boolean last = event instanceof TaskUpdateEvent u && u.getUpdateEvent() instanceof TaskStatusUpdateEvent s && s.isFinal()
                || event instanceof TaskEvent t && pause(t.getTask().getStatus().state());
        if (last) {
            done.complete(null);
        }
    }

    static boolean pause(TaskState s) {
        return s.isFinal() || s == TaskState.INPUT_REQUIRED;
    }

    Task get(String taskId) throws A2AClientException {
        return blocking.getTask(new TaskQueryParams(taskId), auth);
    }

    Task get(String taskId, int historyLength) throws A2AClientException {
        return blocking.getTask(new TaskQueryParams(taskId, historyLength), auth);
    }

    Task cancel(String taskId) throws A2AClientException {
        return blocking.cancelTask(new TaskIdParams(taskId), auth);
    }

    /** The SDK's non-streaming client and this caller's credentials, for calls not wrapped here (push configs). */
    Client client() {
        return blocking;
    }

    ClientCallContext auth() {
        return auth;
    }

    @Override
    public void close() {
        blocking.close();
        streaming.close();
    }
}
