package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.callers.Authenticator;
import dev.codexbridge.callers.OriginCheck;
import dev.codexbridge.callers.Readiness;
import dev.codexbridge.callers.Resends;
import dev.codexbridge.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link OpenAiServer}'s HTTP routing: the probes ({@code /readyz}, {@code /healthz}, no token);
 * then for {@code /v1/...} the Host and Origin check, the caller's authentication, the body (size,
 * JSON), and the call: the Responses API, Chat Completions, the models. Every error is OpenAI's
 * error body with the retry headers the SDKs read.
 */
final class OpenAiHandler {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiHandler.class);
    static final String READY_PATH = "/readyz";
    static final String HEALTH_PATH = "/healthz";
    private static final String RESPONSES = "/v1/responses";
    private static final String CONVERSATIONS = "/v1/conversations";

    private final ResponsesApi responses;
    private final ChatCompletionsApi chat;
    private final ConversationsApi conversations;
    private final OpenAiModels models;
    private final @Nullable Authenticator auth;
    private final @Nullable String anonymous;
    private final int maxRequestBytes;
    private final Readiness readiness;
    private final KeyedRequests keyed;
    private final long startedAt = System.currentTimeMillis() / 1000;
    /** Set once the listener's port is known. */
    private volatile @Nullable OriginCheck origins;

    OpenAiHandler(ResponsesApi responses, ChatCompletionsApi chat, ConversationsApi conversations, OpenAiModels models,
            @Nullable Authenticator auth, @Nullable String anonymous, int maxRequestBytes, Readiness readiness, KeyedRequests keyed) {
        this.responses = responses;
        this.chat = chat;
        this.conversations = conversations;
        this.models = models;
        this.auth = auth;
        this.anonymous = anonymous;
        this.maxRequestBytes = maxRequestBytes;
        this.readiness = readiness;
        this.keyed = keyed;
    }

    void origins(OriginCheck check) {
        this.origins = check;
    }

    /** Answers one request, on its own thread (a stream keeps it until its end). */
    void serve(HttpExchange http) {
        String path = http.path();
        String method = http.method();
        try {
            if (path.equals(READY_PATH) || path.equals(HEALTH_PATH)) {
                // a balancer's and Kubernetes' probes: no token, no Host check (they name the pod's address)
                Readiness.Answer a = path.equals(HEALTH_PATH) ? new Readiness.Answer(true, "alive") : readiness.now();
                http.status(a.ready() ? 200 : 503);
                http.header("Content-Type", "text/plain; charset=utf-8");
                http.write((a.body() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return;
            }
            OriginCheck check = origins;
            String foreign = check == null ? null : check.refusal(http.header("Host"), http.header("Origin"));
            if (foreign != null) {
                throw new OpenAiError(403, "invalid_request_error", null, "forbidden", foreign, null, false);
            }
            String principal = principal(http.header("Authorization"), http);
            route(principal, method, path, http);
        } catch (OpenAiError e) {
            Replies.error(http, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            http.fail(e);
        } catch (IOException e) {
            // the caller went away
            http.fail(e);
        } catch (RuntimeException e) {
            LOG.warn("a request {} {} failed inside the server", method, path, e);
            // codex may have been asked: the SDK must not send it again on its own
            Replies.error(http, OpenAiError.afterStart("internal error: the server could not answer this request"));
        }
    }

    /** The caller's principal, or a 401. Without an authenticator, every call is the anonymous principal's (the SDKs always send a key). */
    private String principal(@Nullable String authorization, HttpExchange http) {
        if (auth == null && anonymous != null || authorization == null && anonymous != null) {
            return anonymous;
        }
        Authenticator.Verdict v = auth == null ? Authenticator.Verdict.refused("this server takes no keys")
                : auth.verdict(authorization);
        if (v.principal() == null) {
            http.header("WWW-Authenticate", "Bearer");
            throw OpenAiError.unauthorized("Incorrect API key provided: " + v.reason() + ". Send your key as a bearer token "
                    + "(the SDKs' apiKey).");
        }
        return v.principal();
    }

    private void route(String principal, String method, String path, HttpExchange http)
            throws IOException, InterruptedException {
        if (path.equals(RESPONSES)) {
            allow(method, "POST", path);
            createResponse(principal, body(http), http.header(KeyedRequests.HEADER), http);
        } else if (path.startsWith(RESPONSES + "/")) {
            String[] rest = path.substring(RESPONSES.length() + 1).split("/", -1);
            String id = rest[0];
            if (rest.length == 1) {
                if (method.equals("DELETE")) {
                    Replies.json(http, 200, responses.delete(principal, id));
                } else {
                    allow(method, "GET", path);
                    Map<String, String> query = http.query();
                    if (Boolean.parseBoolean(query.get("stream"))) {
                        SseStream events = responses.stream(principal, id, startingAfter(query));
                        stream(events, SseStream::typed, "", () -> responses.unfollow(principal, id, events), http);
                    } else {
                        Replies.json(http, 200, responses.get(principal, id));
                    }
                }
            } else if (rest.length == 2 && rest[1].equals("input_items")) {
                allow(method, "GET", path);
                Replies.json(http, 200, responses.inputItems(principal, id, http.query()));
            } else if (rest.length == 2 && rest[1].equals("cancel")) {
                allow(method, "POST", path);
                Replies.json(http, 200, responses.cancel(principal, id));
            } else {
                throw unknown(method, path);
            }
        } else if (path.equals(CONVERSATIONS) || path.startsWith(CONVERSATIONS + "/")) {
            conversation(principal, method, path, http);
        } else if (path.equals("/v1/chat/completions")) {
            allow(method, "POST", path);
            chatCompletion(principal, body(http), http.header(KeyedRequests.HEADER), http);
        } else if (path.equals("/v1/models")) {
            allow(method, "GET", path);
            ObjectNode list = Json.object().put("object", "list");
            ArrayNode data = list.putArray("data");
            models.ids().forEach(m -> data.add(model(m)));
            Replies.json(http, 200, list);
        } else if (path.startsWith("/v1/models/")) {
            allow(method, "GET", path);
            String id = path.substring("/v1/models/".length());
            if (!models.ids().contains(id)) {
                throw new OpenAiError(404, "invalid_request_error", "model", "model_not_found", "The model '" + id + "' does not exist",
                        null, false);
            }
            Replies.json(http, 200, model(id));
        } else {
            throw unknown(method, path);
        }
    }

    /** The Conversations API: a conversation, its items, an item. */
    private void conversation(String principal, String method, String path, HttpExchange http) throws IOException {
        String[] parts = path.equals(CONVERSATIONS) ? new String[0] : path.substring(CONVERSATIONS.length() + 1).split("/", -1);
        if (parts.length == 0) {
            allow(method, "POST", path);
            Replies.json(http, 200, conversations.create(principal, body(http, true)));
        } else if (parts.length == 1) {
            switch (method) {
                case "GET" -> Replies.json(http, 200, conversations.get(principal, parts[0]));
                case "POST" -> Replies.json(http, 200, conversations.update(principal, parts[0], body(http, false)));
                case "DELETE" -> Replies.json(http, 200, conversations.delete(principal, parts[0]));
                default -> allow(method, "GET", path);
            }
        } else if (parts.length == 2 && parts[1].equals("items")) {
            if (method.equals("POST")) {
                Replies.json(http, 200, conversations.addItems(principal, parts[0], body(http, false)));
            } else {
                allow(method, "GET", path);
                Replies.json(http, 200, conversations.listItems(principal, parts[0], http.query()));
            }
        } else if (parts.length == 3 && parts[1].equals("items")) {
            if (method.equals("DELETE")) {
                Replies.json(http, 200, conversations.deleteItem(principal, parts[0], parts[2]));
            } else {
                allow(method, "GET", path);
                Replies.json(http, 200, conversations.item(principal, parts[0], parts[2]));
            }
        } else {
            throw unknown(method, path);
        }
    }

    private void createResponse(String principal, JsonNode body, @Nullable String key, HttpExchange http)
            throws IOException, InterruptedException {
        turn(principal, body, key, new Api("responses", SseStream::typed, "", KeyedRequests::responseEvents), events -> {
            ResponsesApi.Created c = responses.create(principal, body, events);
            return new Started(c.conversation(), c.answer(), c.left());
        }, http);
    }

    private void chatCompletion(String principal, JsonNode body, @Nullable String key, HttpExchange http)
            throws IOException, InterruptedException {
        boolean usage = body.path("stream_options").path("include_usage").asBoolean(false);
        turn(principal, body, key, new Api("chat", SseStream::data, "data: [DONE]\n\n", (kept, events) -> KeyedRequests.chatChunks(kept,
                usage, events)), events -> {
            ChatCompletionsApi.Started c = chat.start(principal, body, events);
            Conversation on = c.conversation();
            return new Started(on, c.answer(), on == null ? () -> { } : on.session::interrupt);
        }, http);
    }

    /** How one API streams: its name for the keys, its framing and last line, and a kept answer as its events. */
    private record Api(String name, java.util.function.Function<ObjectNode, String> frame, String last,
            java.util.function.BiConsumer<JsonNode, SseStream> replay) {
    }

    /** A turn under way: its conversation, the answer when the request's part of it ends, and what its stream's caller leaving does. */
    private record Started(@Nullable Conversation conversation, java.util.concurrent.CompletableFuture<ObjectNode> answer, Runnable left) {
    }

    /**
     * A request that runs a turn on {@code api}: answered with the first's answer when it was sent
     * before with its key (decision 0117); otherwise started, its answer kept for its copies, and
     * answered whole or streamed.
     */
    private void turn(String principal, JsonNode body, @Nullable String key, Api api,
            java.util.function.Function<@Nullable SseStream, Started> start, HttpExchange http)
            throws IOException, InterruptedException {
        SseStream events = body.path("stream").asBoolean(false) ? new SseStream() : null;
        Resends.Send send = keyed.begin(principal, api.name(), key, body);
        if (send != null && send.answer() != null) {
            again(KeyedRequests.Kept.of(send.answer()), events, api, http);
            return;
        }
        Started started;
        try {
            started = start.apply(events);
        } catch (RuntimeException e) {
            KeyedRequests.refused(send, e);
            throw e;
        }
        KeyedRequests.keep(send, started.answer());
        if (events == null) {
            Replies.json(http, 200, Turns.await(started.answer()));
            return;
        }
        // codex has been asked: the SDK must not send this again on its own, whatever becomes of the stream
        http.header(Replies.SHOULD_RETRY, "false");
        stream(events, api.frame(), api.last(), started.left(), http);
    }

    /**
     * A copy's answer (decision 0117): the first's, as it was — a body, or an error with its retry
     * headers — or, for a copy that asks for a stream, the first's body as that API's events.
     */
    private static void again(KeyedRequests.Kept kept, @Nullable SseStream events, Api api, HttpExchange http)
            throws IOException, InterruptedException {
        if (kept.error() != null) {
            // an error as it was, with its headers: a stream's too, as the SDKs read an error answered before any event
            Replies.error(http, kept.error());
            return;
        }
        if (events == null) {
            Replies.json(http, 200, kept.body());
            return;
        }
        http.header(Replies.SHOULD_RETRY, "false");
        api.replay().accept(kept.body(), events);
        events.writeTo(http, api.frame(), api.last());
        http.end();
    }

    /** Writes a stream of events; a caller that goes away is {@code left} (its turn interrupted, or a background one no longer followed). */
    private static void stream(SseStream events, java.util.function.Function<ObjectNode, String> frame, String last, Runnable left,
            HttpExchange http) throws InterruptedException {
        try {
            events.writeTo(http, frame, last);
            http.end();
        } catch (IOException e) {
            LOG.info("a caller left a stream: {}", e.toString());
            left.run();
            http.fail(e);
        }
    }

    /** {@code starting_after}: the sequence number of the last event the caller has; null when not given. */
    private static @Nullable Long startingAfter(Map<String, String> query) {
        String after = query.get("starting_after");
        if (after == null) {
            return null;
        }
        try {
            return Long.parseLong(after);
        } catch (NumberFormatException e) {
            throw OpenAiError.invalid("starting_after", "starting_after must be an event's sequence number");
        }
    }

    private ObjectNode model(String id) {
        return Json.object().put("id", id).put("object", "model").put("created", startedAt).put("owned_by", "codex");
    }

    private JsonNode body(HttpExchange http) throws IOException {
        return body(http, false);
    }

    /** The request's JSON body; with {@code mayBeEmpty}, null for none (a create with nothing to set). */
    private @Nullable JsonNode body(HttpExchange http, boolean mayBeEmpty) throws IOException {
        byte[] bytes;
        try (InputStream in = http.body()) {
            bytes = in.readNBytes(maxRequestBytes + 1);
        }
        if (bytes.length > maxRequestBytes) {
            throw new OpenAiError(413, "invalid_request_error", null, "request_too_large", "the request is larger than " + maxRequestBytes
                    + " bytes; nothing was run", null, false);
        }
        try {
            JsonNode body = Json.mapper().readTree(bytes);
            if ((body == null || body.isMissingNode()) && mayBeEmpty) {
                return null;
            }
            if (body == null || body.isMissingNode()) {
                throw OpenAiError.invalid(null, "the request has no body: send a JSON object");
            }
            return body;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw OpenAiError.invalid(null, "We could not parse the JSON body of your request: " + e.getOriginalMessage());
        }
    }

    private static void allow(String method, String allowed, String path) {
        if (!method.equals(allowed)) {
            throw new OpenAiError(405, "invalid_request_error", null, "method_not_allowed", method + " is not served at " + path
                    + ": use " + allowed, null, false);
        }
    }

    private static OpenAiError unknown(String method, String path) {
        return new OpenAiError(404, "invalid_request_error", null, "unknown_url", "Unknown request URL: " + method + " " + path
                + ". This server serves /v1/responses, /v1/chat/completions and /v1/models.", null, false);
    }
}
