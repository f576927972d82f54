package dev.codexbridge.a2a;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.callers.Authenticator;
import dev.codexbridge.callers.OriginCheck;
import dev.codexbridge.callers.Readiness;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static dev.codexbridge.a2a.A2aResponses.plain;
import static dev.codexbridge.a2a.A2aResponses.reply;
import static dev.codexbridge.a2a.A2aResponses.sseOnce;

/**
 * The {@link A2aServer}'s HTTP routing: the probes ({@code /readyz}, {@code /healthz}); the agent card; then, for the bindings, the Host and
 * Origin check, the caller's authentication, the body (size, type, JSON), the caller's slot for a
 * call that holds a thread, and the call handed to JSON-RPC ({@link A2aRpc}, at {@code POST /}) or
 * HTTP+JSON ({@link A2aRest}), each error answered in the binding's own shape.
 */
final class A2aHttpHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(A2aHttpHandler.class);
    private static final Set<String> V03_STREAMS = Set.of("message/stream", "tasks/resubscribe");
    static final String READY_PATH = "/readyz";
    static final String HEALTH_PATH = "/healthz";

    private final A2aRpc rpc;
    private final A2aRest rest;
    private final AgentCardResource card;
    private final @Nullable Authenticator auth;
    /** Calls without a token act as this principal; null: they are refused. */
    private final @Nullable String anonymous;
    private final A2aLimits limits;
    private final CallerSlots slots;
    private final Readiness readiness;
    private final A2aDrain drain;
    /** Set before the server listens; what Host and Origin the calls may carry (against DNS rebinding and cross-site pages). */
    private volatile OriginCheck origins;

    A2aHttpHandler(A2aRpc rpc, A2aRest rest, AgentCardResource card, @Nullable Authenticator auth, @Nullable String anonymous,
                   A2aLimits limits, Readiness readiness, A2aDrain drain) {
        this.readiness = readiness;
        this.drain = drain;
        this.rpc = rpc;
        this.rest = rest;
        this.card = card;
        this.auth = auth;
        this.anonymous = anonymous;
        this.limits = limits;
        this.slots = new CallerSlots(limits);
    }

    /** Sets the Host and Origin check, once the listener's port is known. */
    void origins(OriginCheck check) {
        this.origins = check;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        if (!path.equals("/") && !A2aRest.serves(path)) {
            serve(request, response, callback);
            return true;
        }
        // a binding's call is in flight until its answer is written (a stream's last event included): a stopping server waits for it
        Callback tracked = drain.enter(callback);
        try {
            serve(request, response, tracked);
        } catch (Exception | Error e) {
            tracked.failed(e);
        }
        return true;
    }

    private void serve(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        if (path.equals(READY_PATH) || path.equals(HEALTH_PATH)) {
            // a balancer's and Kubernetes' probes: no token, no Host check (they name the pod's address), nothing but a word
            if (!method.equals("GET") && !method.equals("HEAD")) {
                plain(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, "GET only");
                return;
            }
            Readiness.Answer a = path.equals(HEALTH_PATH) ? new Readiness.Answer(true, "alive") : readiness.now();
            plain(response, callback, a.ready() ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503, a.body());
            return;
        }
        Map<String, String> query = query(request);
        String version = version(request, query);
        if (path.equals(A2aServer.CARD_PATH) || path.equals("/.well-known/agent.json")) {
            if (!method.equals("GET")) {
                plain(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, "GET only");
                return;
            }
            A2aVersion v;
            try {
                v = A2aVersion.ofHeader(version);
            } catch (A2aError e) {
                plain(response, callback, HttpStatus.BAD_REQUEST_400, e.getMessage());
                return;
            }
            card.serve(request, response, callback, v);
            return;
        }
        boolean isRpc = path.equals("/");
        if (!isRpc && !A2aRest.serves(path)) {
            plain(response, callback, HttpStatus.NOT_FOUND_404, "not found: JSON-RPC is served at POST /, HTTP+JSON at /message:send, /tasks, …");
            return;
        }
        if (isRpc && !method.equals("POST")) {
            refuse(response, callback, true, HttpStatus.METHOD_NOT_ALLOWED_405, "POST JSON-RPC here");
            return;
        }
        String foreign = origins.refusal(request.getHeaders().get(HttpHeader.HOST), request.getHeaders().get(HttpHeader.ORIGIN));
        if (foreign != null) {
            refuse(response, callback, isRpc, HttpStatus.FORBIDDEN_403, foreign);
            return;
        }
        String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        Authenticator.Verdict verdict = authorization == null
                ? anonymous != null ? new Authenticator.Verdict(anonymous, "") : Authenticator.Verdict.refused("no token")
                : auth == null ? Authenticator.Verdict.refused("this server takes no tokens") : auth.verdict(authorization);
        Optional<String> principal = Optional.ofNullable(verdict.principal());
        if (principal.isEmpty()) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, authorization == null ? "Bearer" : "Bearer error=\"invalid_token\"");
            refuse(response, callback, isRpc, HttpStatus.UNAUTHORIZED_401, "a valid bearer token is required: " + verdict.reason());
            return;
        }
        JsonNode body = null;
        if (method.equals("POST")) {
            try (InputStream in = Content.Source.asInputStream(request)) {
                byte[] bytes = in.readNBytes(limits.maxRequestBytes() + 1);
                if (bytes.length > limits.maxRequestBytes()) {
                    refuse(response, callback, isRpc, HttpStatus.PAYLOAD_TOO_LARGE_413, "request larger than " + limits.maxRequestBytes() + " bytes");
                    return;
                }
                String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
                if (type != null && !isJson(type)) {
                    // JSON-RPC and HTTP+JSON take JSON only (A2A 1.0 §9.1, §11.1): ContentTypeNotSupportedError, in the binding's shape
                    A2aError refused = new A2aError(A2aError.CONTENT_TYPE_NOT_SUPPORTED, "Content-Type " + type
                            + " is not served: send application/json", Map.of("contentType", type));
                    reply(response, callback, isRpc ? new A2aReply.Body(200, A2aWire.error(null, refused)) : A2aRest.error(refused));
                    return;
                }
                body = bytes.length == 0 ? null : A2aWire.JSON.readTree(bytes);
            } catch (JsonProcessingException e) {
                reply(response, callback, isRpc ? new A2aReply.Body(200, A2aWire.error(null, A2aError.PARSE, "the body is not JSON"))
                        : A2aRest.error(new A2aError(A2aError.PARSE, "the body is not JSON")));
                return;
            }
        }
        if (isRpc && (body == null || body.isMissingNode())) {
            reply(response, callback, new A2aReply.Body(200, A2aWire.error(null, A2aError.INVALID_REQUEST, "empty body")));
            return;
        }
        if (drain.stopping() && A2aDrain.startsTask(isRpc, method, path, body)) {
            // nothing runs: the caller sends it again, to another replica (a balancer has this one out of rotation by then)
            A2aDrain.refuse(response, callback, isRpc, body);
            return;
        }
        // a stream, and a blocking send while it waits, hold a server thread: both count against the caller's and the server's limits
        CallerSlots.Kind holds = isRpc ? A2aRpc.holdsThread(body) : A2aRest.holdsThread(method, path, body);
        if (holds != null) {
            try {
                slots.acquire(principal.get(), holds);
            } catch (A2aError busy) {
                JsonNode id = body.get("id");
                reply(response, callback, isRpc ? new A2aReply.Body(200, A2aWire.error(id != null && id.isValueNode() ? id : null, busy))
                        : A2aRest.error(busy));
                return;
            }
        }
        try {
            A2aReply r;
            try {
                r = isRpc ? rpc.call(principal.get(), body, version)
                        : rest.call(principal.get(), method, path, query, body, version);
            } catch (RuntimeException e) {
                // a fault of the server's, answered in the binding's own error shape rather than an HTTP 500 page, and
                // without the exception's text, which may name the server's classes: that goes to the log. A
                // conversation's lease held elsewhere or lost here, and a store that did not answer, are no fault of
                // the call: the caller is told to send it again
                A2aError failed = LostLease.answer(e);
                A2aError unavailable = failed == null ? CodexUnavailable.answer(e) : null;
                if (failed != null) {
                    LOG.info("an A2A call of {} met a conversation's lease: {}", principal.get(), e.toString());
                } else if (unavailable != null) {
                    LOG.info("an A2A call of {} found codex unable to open its conversation now: {}", principal.get(), e.toString());
                    failed = unavailable;
                } else if (StoreOutage.in(e)) {
                    LOG.warn("an A2A call of {} failed: the store did not answer: {}", principal.get(), e.toString());
                    failed = StoreOutage.error();
                } else {
                    LOG.warn("an A2A call of {} failed inside the server", principal.get(), e);
                    failed = new A2aError(A2aError.INTERNAL, "internal error: the server could not answer this call");
                }
                r = isRpc ? new A2aReply.Body(200, A2aWire.error(body.get("id"), failed))
                        : A2aRest.error(failed);
            }
            if (isRpc && holds == CallerSlots.Kind.STREAM && r instanceof A2aReply.Body b && b.json().has("error")
                    && V03_STREAMS.contains(body.path("method").asText()) && accepts(request, "text/event-stream")) {
                // 0.3: a streaming call's error is its stream's one event (a SendStreamingMessageResponse may be an error)
                sseOnce(response, callback, b.json());
                return;
            }
            reply(response, callback, r);
        } finally {
            if (holds != null) {
                slots.release(principal.get(), holds);
            }
        }
    }

    /**
     * A refusal before the call is read (the method, Host or Origin, the token, the body's size), in
     * the binding's own error shape: a JSON-RPC error with {@code id} null at {@code POST /}, a
     * {@code google.rpc.Status} on HTTP+JSON.
     */
    private static void refuse(Response response, Callback callback, boolean isRpc, int status, String message)
            throws JsonProcessingException {
        A2aResponses.refusal(response, callback, status, isRpc ? A2aWire.error(null, A2aError.INVALID_REQUEST, message)
                : A2aRest.refusal(status, message));
    }

    /** {@code application/json}, or a JSON-based type such as {@code application/a2a+json}, with any parameters. */
    static boolean isJson(String contentType) {
        String media = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return media.equals("application/json") || media.startsWith("application/") && media.endsWith("+json");
    }

    /** The {@code A2A-Version} service parameter: the header, else the request parameter of that name (A2A 1.0 §3.6.1). */
    private static @Nullable String version(Request request, Map<String, String> query) {
        String header = request.getHeaders().get(A2aServer.VERSION_HEADER);
        if (header != null) {
            return header;
        }
        for (Map.Entry<String, String> q : query.entrySet()) {
            if (q.getKey().equalsIgnoreCase(A2aServer.VERSION_HEADER)) {
                return q.getValue();
            }
        }
        return null;
    }

    private static Map<String, String> query(Request request) {
        Map<String, String> q = new HashMap<>();
        String raw = request.getHttpURI().getQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    q.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }

    private static boolean accepts(Request request, String mediaType) {
        String accept = request.getHeaders().get(HttpHeader.ACCEPT);
        return accept != null && accept.toLowerCase(Locale.ROOT).contains(mediaType);
    }
}
