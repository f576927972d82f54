package dev.codexbridge.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.harrel.jsonschema.Dialects;
import dev.harrel.jsonschema.MessageProvider;
import dev.harrel.jsonschema.Validator;
import dev.harrel.jsonschema.ValidatorFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Validates messages the client sends against the JSON Schema the pinned codex binary generates
 * ({@code codex app-server generate-json-schema}, written by the build to {@code target/codex-schema}).
 *
 * <p>Strict by default: every object type in the schema that lists its properties is closed
 * ({@code additionalProperties: false}) unless the schema itself says otherwise, so a misspelled
 * or invented field fails instead of being silently ignored by codex.
 */
public final class WireSchema {
    // codex generates draft-07; one validator per compiled schema, so their definitions never meet
    private static final ValidatorFactory FACTORY = new ValidatorFactory().withDefaultDialect(new Dialects.Draft7Dialect())
            .withMessageProvider(MessageProvider.fromLocale(Locale.ROOT));
    private static volatile WireSchema pinned;
    private static volatile WireSchema pinnedExperimental;

    private final Path dir;
    private final boolean strict;
    private final Map<String, Compiled> cache = new ConcurrentHashMap<>();
    private final ObjectNode clientRequests;
    private final ObjectNode clientNotifications;
    private final ObjectNode serverRequests;

    public WireSchema(Path dir, boolean strict) {
        this.dir = dir;
        this.strict = strict;
        this.clientRequests = load("ClientRequest.json");
        this.clientNotifications = load("ClientNotification.json");
        this.serverRequests = load("ServerRequest.json");
    }

    /** The strict schema of the pinned binary, from {@code -Dcodexbridge.schemaDir}. */
    public static synchronized WireSchema pinned() {
        if (pinned == null) {
            String dir = System.getProperty("codexbridge.schemaDir", "target/codex-schema");
            pinned = new WireSchema(Paths.get(dir), true);
        }
        return pinned;
    }

    /**
     * The strict schema of the pinned binary's experimental surface, for messages that use
     * experimental methods or fields (sent with {@code capabilities.experimentalApi}).
     */
    public static synchronized WireSchema pinnedExperimental() {
        if (pinnedExperimental == null) {
            String dir = System.getProperty("codexbridge.schemaDir", "target/codex-schema");
            pinnedExperimental = new WireSchema(Paths.get(dir, "experimental"), true);
        }
        return pinnedExperimental;
    }

    /**
     * Asserts that every request and notification among {@code received} (what a fake codex read
     * from the library) is valid; the library's answers to server requests are left out.
     */
    public void assertRequestsAndNotificationsValid(List<JsonNode> received) {
        for (JsonNode m : received) {
            if (m.has("method")) {
                assertThat(validateOutgoing(m)).as("schema errors of %s", m).isEmpty();
            }
        }
    }

    /** Validation errors of one outgoing client message (empty = valid). */
    public List<String> validateOutgoing(JsonNode message) {
        if (!message.isObject()) {
            return List.of("not a JSON object");
        }
        if (message.has("method")) {
            String method = message.get("method").asText();
            boolean request = message.has("id");
            ObjectNode union = request ? clientRequests : clientNotifications;
            JsonNode branch = branchFor(union, method);
            if (branch == null) {
                return List.of((request ? "request" : "notification") + " method `" + method
                        + "` is not in the schema");
            }
            List<String> errors = validate((request ? "request:" : "notification:") + method, union, branch, message);
            return request ? withEnvelopeErrors(errors, message) : errors;
        }
        return List.of("a response to a server request: use validateResponse(serverMethod, message)");
    }

    /** Validation errors of the client's {@code result} for server request {@code serverMethod}. */
    public List<String> validateResponse(String serverMethod, JsonNode result) {
        JsonNode branch = branchFor(serverRequests, serverMethod);
        if (branch == null) {
            return List.of("server request `" + serverMethod + "` is not in the schema");
        }
        String paramsRef = branch.path("properties").path("params").path("$ref").asText();
        String name = paramsRef.substring(paramsRef.lastIndexOf('/') + 1).replaceFirst("Params$", "Response");
        Path file = dir.resolve(name + ".json");
        if (!Files.isRegularFile(file)) {
            return List.of("no response schema " + file.getFileName() + " for " + serverMethod);
        }
        Compiled schema = cache.computeIfAbsent("response:" + serverMethod, k -> compile(prepare(load(file.getFileName().toString()))));
        return schema.errors(result);
    }

    private List<String> validate(String key, ObjectNode union, JsonNode branch, JsonNode message) {
        Compiled schema = cache.computeIfAbsent(key, k -> {
            ObjectNode root = prepare(union.deepCopy());
            ObjectNode single = (ObjectNode) branch.deepCopy();
            single.put("$schema", "http://json-schema.org/draft-07/schema#");
            if (root.has("definitions")) {      // ClientNotification.json has none, and null is no schema map
                single.set("definitions", root.get("definitions"));
            }
            return compile(single);
        });
        return schema.errors(message);
    }

    /**
     * The request envelope against {@code JSONRPCRequest.json}, closed: what the method's branch
     * does not describe (the optional W3C {@code trace} member) is checked here, and nothing else
     * may sit beside {@code id}, {@code method}, {@code params} and {@code trace}.
     */
    private List<String> withEnvelopeErrors(List<String> errors, JsonNode message) {
        Compiled envelope = cache.computeIfAbsent("envelope:request", k -> {
            ObjectNode root = prepare(load("JSONRPCRequest.json"));
            if (strict) {
                root.put("additionalProperties", false);
            }
            return compile(root);
        });
        List<String> envelopeErrors = envelope.errors(message);
        if (envelopeErrors.isEmpty()) {
            return errors;
        }
        List<String> all = new ArrayList<>(errors);
        all.addAll(envelopeErrors);
        return all;
    }

    private static JsonNode branchFor(ObjectNode union, String method) {
        for (JsonNode branch : union.path("oneOf")) {
            for (JsonNode m : branch.path("properties").path("method").path("enum")) {
                if (m.asText().equals(method)) {
                    return branch;
                }
            }
        }
        return null;
    }

    private ObjectNode prepare(ObjectNode root) {
        if (strict && root.has("definitions")) {
            close(root.get("definitions"));
        }
        return root;
    }

    /** Closes every object schema below {@code node} that lists properties and leaves extras open. */
    private static void close(JsonNode node) {
        if (node.isObject()) {
            ObjectNode o = (ObjectNode) node;
            if (o.has("properties") && !o.has("additionalProperties")) {
                o.put("additionalProperties", false);
            }
            o.elements().forEachRemaining(WireSchema::close);
        } else if (node.isArray()) {
            node.elements().forEachRemaining(WireSchema::close);
        }
    }

    private static Compiled compile(JsonNode schema) {
        Validator validator = FACTORY.createValidator();
        return new Compiled(validator, validator.registerSchema((Object) schema));
    }

    /** A schema registered with a validator of its own. */
    private record Compiled(Validator validator, URI uri) {
        /** Each error as where, then what ({@code /params/cwdd: …}), sorted. */
        List<String> errors(JsonNode instance) {
            Validator.Result result = validator.validate(uri, (Object) instance);
            if (result.isValid()) {
                return List.of();
            }
            return result.getErrors().stream()
                    .map(e -> (e.getInstanceLocation().isEmpty() ? "/" : e.getInstanceLocation()) + ": " + e.getError())
                    .distinct().sorted().collect(Collectors.toList());
        }
    }

    private ObjectNode load(String name) {
        Path file = dir.resolve(name);
        try {
            return (ObjectNode) Json.mapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " (the build generates it; run `mvn verify`)", e);
        }
    }

    /**
     * Errors of every message in a recorded conversation that the client sent: requests and
     * notifications by method, answers to server requests by the method of the request they answer.
     */
    public List<String> validateConversation(Recorder recorder) {
        return validateConversation(recorder, 0, Integer.MAX_VALUE);
    }

    /** {@link #validateConversation(Recorder)} for the client's messages from the {@code fromSent}-th to before the {@code toSent}-th. */
    public List<String> validateConversation(Recorder recorder, int fromSent, int toSent) {
        java.util.Map<String, String> serverMethods = new java.util.HashMap<>();
        for (JsonNode m : recorder.received()) {
            if (m.has("method") && m.has("id")) {
                serverMethods.put(m.get("id").toString(), m.get("method").asText());
            }
        }
        List<String> errors = new ArrayList<>();
        List<JsonNode> sent = recorder.sent();
        int to = Math.min(toSent, sent.size());
        for (JsonNode m : sent.subList(Math.min(fromSent, to), to)) {
            if (m.has("method")) {
                validateOutgoing(m).forEach(e -> errors.add(m.path("method").asText() + ": " + e));
            } else if (m.has("result")) {
                String method = serverMethods.get(m.get("id").toString());
                if (method == null) {
                    errors.add("an answer to unknown server request " + m.get("id"));
                } else {
                    validateResponse(method, m.get("result")).forEach(e -> errors.add("answer to " + method + ": " + e));
                }
            }
        }
        return errors;
    }

    /** Collects what a peer sends, for validation after the fact. */
    public static final class Recorder implements dev.codexbridge.rpc.WireTap {
        private final List<JsonNode> sent = new ArrayList<>();
        private final List<JsonNode> received = new ArrayList<>();

        @Override
        public synchronized void outgoing(byte[] line) {
            sent.add(Json.parse(new String(line, java.nio.charset.StandardCharsets.UTF_8)));
        }

        @Override
        public synchronized void incoming(byte[] buffer, int length) {
            try {
                received.add(Json.mapper().readTree(buffer, 0, length));
            } catch (IOException e) {
                // malformed lines are the peer's business; the recorder keeps parsable ones
            }
        }

        public synchronized List<JsonNode> sent() {
            return List.copyOf(sent);
        }

        public synchronized List<JsonNode> received() {
            return List.copyOf(received);
        }
    }
}
