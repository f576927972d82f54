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
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link OpenAiServer}'s HTTP routing: the probes ({@code /readyz}, {@code /healthz}, no token);
 * then for {@code /v1/...} the Host and Origin check, the caller's authentication, the body (size,
 * JSON), and the call: the Responses API, Chat Completions, the models. Every error is OpenAI's
 * error body with the retry headers the SDKs read.
 */
final class OpenAiHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiHandler.class);
    static final String READY_PATH = "/readyz";
    static final String HEALTH_PATH = "/healthz";
    private static final String RESPONSES = "/v1/responses";

    private final ResponsesApi responses;
    private final ChatCompletionsApi chat;
    private final OpenAiModels models;
    private final @Nullable Authenticator auth;
    private final @Nullable String anonymous;
    private final int maxRequestBytes;
    private final Readiness readiness;
    private final KeyedRequests keyed;
    private final long startedAt = System.currentTimeMillis() / 1000;
    /** Set once the listener's port is known. */
    private volatile @Nullable OriginCheck origins;

    OpenAiHandler(ResponsesApi responses, ChatCompletionsApi chat, OpenAiModels models, @Nullable Authenticator auth,
            @Nullable String anonymous, int maxRequestBytes, Readiness readiness, KeyedRequests keyed) {
        this.responses = responses;
        this.chat = chat;
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

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        try {
            if (path.equals(READY_PATH) || path.equals(HEALTH_PATH)) {
                // a balancer's and Kubernetes' probes: no token, no Host check (they name the pod's address)
                Readiness.Answer a = path.equals(HEALTH_PATH) ? new Readiness.Answer(true, "alive") : readiness.now();
                response.setStatus(a.ready() ? 200 : 503);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
                Content.Sink.write(response, true, a.body() + "\n", callback);
                return true;
            }
            OriginCheck check = origins;
            String foreign = check == null ? null
                    : check.refusal(request.getHeaders().get(HttpHeader.HOST), request.getHeaders().get(HttpHeader.ORIGIN));
            if (foreign != null) {
                throw new OpenAiError(403, "invalid_request_error", null, "forbidden", foreign, null, false);
            }
            String principal = principal(request.getHeaders().get(HttpHeader.AUTHORIZATION), response);
            route(principal, method, path, request, response, callback);
        } catch (OpenAiError e) {
            Replies.error(response, callback, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            callback.failed(e);
        } catch (IOException e) {
            // the caller went away
            callback.failed(e);
        } catch (RuntimeException e) {
            LOG.warn("a request {} {} failed inside the server", method, path, e);
            // codex may have been asked: the SDK must not send it again on its own
            Replies.error(response, callback, OpenAiError.afterStart("internal error: the server could not answer this request"));
        }
        return true;
    }

    /** The caller's principal, or a 401. Without an authenticator, every call is the anonymous principal's (the SDKs always send a key). */
    private String principal(@Nullable String authorization, Response response) {
        if (auth == null && anonymous != null || authorization == null && anonymous != null) {
            return anonymous;
        }
        Authenticator.Verdict v = auth == null ? Authenticator.Verdict.refused("this server takes no keys")
                : auth.verdict(authorization);
        if (v.principal() == null) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
            throw OpenAiError.unauthorized("Incorrect API key provided: " + v.reason() + ". Send your key as a bearer token "
                    + "(the SDKs' apiKey).");
        }
        return v.principal();
    }

    private void route(String principal, String method, String path, Request request, Response response, Callback callback)
            throws IOException, InterruptedException {
        if (path.equals(RESPONSES)) {
            allow(method, "POST", path);
            createResponse(principal, body(request), request.getHeaders().get(KeyedRequests.HEADER), response, callback);
        } else if (path.startsWith(RESPONSES + "/")) {
            String[] rest = path.substring(RESPONSES.length() + 1).split("/", -1);
            String id = rest[0];
            if (rest.length == 1) {
                if (method.equals("DELETE")) {
                    Replies.json(response, callback, 200, responses.delete(principal, id));
                } else {
                    allow(method, "GET", path);
                    Map<String, String> query = query(request);
                    if (Boolean.parseBoolean(query.get("stream"))) {
                        SseStream events = responses.stream(principal, id, startingAfter(query));
                        stream(events, SseStream::typed, "", () -> responses.unfollow(principal, id, events), response, callback);
                    } else {
                        Replies.json(response, callback, 200, responses.get(principal, id));
                    }
                }
            } else if (rest.length == 2 && rest[1].equals("input_items")) {
                allow(method, "GET", path);
                Replies.json(response, callback, 200, responses.inputItems(principal, id, query(request)));
            } else if (rest.length == 2 && rest[1].equals("cancel")) {
                allow(method, "POST", path);
                Replies.json(response, callback, 200, responses.cancel(principal, id));
            } else {
                throw unknown(method, path);
            }
        } else if (path.equals("/v1/chat/completions")) {
            allow(method, "POST", path);
            chatCompletion(principal, body(request), request.getHeaders().get(KeyedRequests.HEADER), response, callback);
        } else if (path.equals("/v1/models")) {
            allow(method, "GET", path);
            ObjectNode list = Json.object().put("object", "list");
            ArrayNode data = list.putArray("data");
            models.ids().forEach(m -> data.add(model(m)));
            Replies.json(response, callback, 200, list);
        } else if (path.startsWith("/v1/models/")) {
            allow(method, "GET", path);
            String id = path.substring("/v1/models/".length());
            if (!models.ids().contains(id)) {
                throw new OpenAiError(404, "invalid_request_error", "model", "model_not_found", "The model '" + id + "' does not exist",
                        null, false);
            }
            Replies.json(response, callback, 200, model(id));
        } else {
            throw unknown(method, path);
        }
    }

    private void createResponse(String principal, JsonNode body, @Nullable String key, Response response, Callback callback)
            throws IOException, InterruptedException {
        turn(principal, body, key, new Api("responses", SseStream::typed, "", KeyedRequests::responseEvents), events -> {
            ResponsesApi.Created c = responses.create(principal, body, events);
            return new Started(c.conversation(), c.answer(), c.left());
        }, response, callback);
    }

    private void chatCompletion(String principal, JsonNode body, @Nullable String key, Response response, Callback callback)
            throws IOException, InterruptedException {
        boolean usage = body.path("stream_options").path("include_usage").asBoolean(false);
        turn(principal, body, key, new Api("chat", SseStream::data, "data: [DONE]\n\n", (kept, events) -> KeyedRequests.chatChunks(kept,
                usage, events)), events -> {
            ChatCompletionsApi.Started c = chat.start(principal, body, events);
            return new Started(c.conversation(), c.answer(), c.conversation().session::interrupt);
        }, response, callback);
    }

    /** How one API streams: its name for the keys, its framing and last line, and a kept answer as its events. */
    private record Api(String name, java.util.function.Function<ObjectNode, String> frame, String last,
            java.util.function.BiConsumer<JsonNode, SseStream> replay) {
    }

    /** A turn under way: its conversation, the answer when the request's part of it ends, and what its stream's caller leaving does. */
    private record Started(Conversation conversation, java.util.concurrent.CompletableFuture<ObjectNode> answer, Runnable left) {
    }

    /**
     * A request that runs a turn on {@code api}: answered with the first's answer when it was sent
     * before with its key (decision 0117); otherwise started, its answer kept for its copies, and
     * answered whole or streamed.
     */
    private void turn(String principal, JsonNode body, @Nullable String key, Api api,
            java.util.function.Function<@Nullable SseStream, Started> start, Response response, Callback callback)
            throws IOException, InterruptedException {
        SseStream events = body.path("stream").asBoolean(false) ? new SseStream() : null;
        Resends.Send send = keyed.begin(principal, api.name(), key, body);
        if (send != null && send.answer() != null) {
            again(KeyedRequests.Kept.of(send.answer()), events, api, response, callback);
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
            Replies.json(response, callback, 200, Turns.await(started.answer()));
            return;
        }
        // codex has been asked: the SDK must not send this again on its own, whatever becomes of the stream
        response.getHeaders().put(Replies.SHOULD_RETRY, "false");
        stream(events, api.frame(), api.last(), started.left(), response, callback);
    }

    /**
     * A copy's answer (decision 0117): the first's, as it was — a body, or an error with its retry
     * headers — or, for a copy that asks for a stream, the first's body as that API's events.
     */
    private static void again(KeyedRequests.Kept kept, @Nullable SseStream events, Api api, Response response, Callback callback)
            throws IOException, InterruptedException {
        if (kept.error() != null) {
            // an error as it was, with its headers: a stream's too, as the SDKs read an error answered before any event
            Replies.error(response, callback, kept.error());
            return;
        }
        if (events == null) {
            Replies.json(response, callback, 200, kept.body());
            return;
        }
        response.getHeaders().put(Replies.SHOULD_RETRY, "false");
        api.replay().accept(kept.body(), events);
        events.writeTo(response, api.frame(), api.last());
        callback.succeeded();
    }

    /** Writes a stream of events; a caller that goes away is {@code left} (its turn interrupted, or a background one no longer followed). */
    private static void stream(SseStream events, java.util.function.Function<ObjectNode, String> frame, String last, Runnable left,
            Response response, Callback callback) throws InterruptedException {
        try {
            events.writeTo(response, frame, last);
            callback.succeeded();
        } catch (IOException e) {
            LOG.info("a caller left a stream: {}", e.toString());
            left.run();
            callback.failed(e);
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

    private JsonNode body(Request request) throws IOException {
        byte[] bytes;
        try (InputStream in = Content.Source.asInputStream(request)) {
            bytes = in.readNBytes(maxRequestBytes + 1);
        }
        if (bytes.length > maxRequestBytes) {
            throw new OpenAiError(413, "invalid_request_error", null, "request_too_large", "the request is larger than " + maxRequestBytes
                    + " bytes; nothing was run", null, false);
        }
        try {
            JsonNode body = Json.mapper().readTree(bytes);
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

    private static Map<String, String> query(Request request) {
        Map<String, String> q = new HashMap<>();
        for (Fields.Field f : Request.extractQueryParameters(request)) {
            q.put(f.getName(), f.getValue());
        }
        return q;
    }
}
