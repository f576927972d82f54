package dev.codexbridge.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.chaos.ReplicasAnswer.Told;
import dev.codexbridge.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Random;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One conversation of {@code bin/bench chaos --replicas} at the OpenAI door (docs/openai.md): each
 * message a {@code POST /v1/responses} continuing the conversation's newest response by
 * {@code previous_response_id}, one send in {@link #STREAMED_ONE_IN} asking for a stream. Every
 * message carries an {@code Idempotency-Key} of its own, and one that got no answer (its connection
 * ended, a stream ended before its last event, the client's timeout) is sent again with it and the
 * same body, up to {@link ReplicasClients#MAX_COPIES} sends in all (docs/openai.md, "Sending
 * again"). A response of any status is the conversation's newest from then on; a {@code 400}
 * naming a newer response of the conversation (a turn that ran while its caller heard nothing)
 * is read as a careful caller reads it: the conversation goes on from that one. A response whose
 * end the store has not taken yet reads as running on the other replicas, and a continuation from it
 * there is {@code 429} "send again" (decision 0144): refused, the next message goes on from it
 * still. A {@code 404} for the response it goes on from (its record never reached the store: its
 * replica went first) makes it go on from the newest response it was told completed instead, as a
 * caller that keeps its own history could.
 */
final class ReplicasOpenAiCaller {
    /** One send in this many asks for a stream. */
    static final int STREAMED_ONE_IN = 4;
    private static final Pattern NEWEST = Pattern.compile("only from its newest response \\('([^']+)'\\)");

    private final int slot;
    private final URI responses;
    private final String token;
    private final HttpClient http;
    private final Consumer<ReplicasAnswer> answers;
    private final ReplicasClients clients;
    private @Nullable String previous;
    private @Nullable String lastCompleted;

    ReplicasOpenAiCaller(int slot, URI responses, String token, HttpClient http, Consumer<ReplicasAnswer> answers, ReplicasClients clients) {
        this.slot = slot;
        this.responses = responses;
        this.token = token;
        this.http = http;
        this.answers = answers;
        this.clients = clients;
    }

    void run(Random random) {
        for (int n = 1; !clients.stopped(); n++) {
            String key = ReplicasClients.key(slot, n);
            String idempotencyKey = UUID.randomUUID().toString();
            // the same body on every copy (the door matches a copy by it), but for stream
            ObjectNode body = Json.object().put("model", "codex").put("input", ReplicasClients.PREFIX + key);
            if (previous != null) {
                body.put("previous_response_id", previous);
            }
            boolean unknown = false;
            for (int copy = 1; !clients.stopped(); ) {
                ReplicasAnswer a = send(key, body, idempotencyKey, random.nextInt(STREAMED_ONE_IN) == 0, copy);
                answers.accept(a);
                clients.pause(random, a.told());
                boolean again = ReplicasClients.sendAgain(a, unknown);
                unknown |= a.unanswered();
                if (!again || ++copy > ReplicasClients.MAX_COPIES) {
                    break;
                }
            }
        }
    }

    private ReplicasAnswer send(String key, ObjectNode body, String idempotencyKey, boolean stream, int copy) {
        ObjectNode sent = body.deepCopy().put("stream", stream);
        long at = System.currentTimeMillis();
        HttpResponse<String> r;
        try {
            r = http.send(HttpRequest.newBuilder(responses).timeout(ReplicasClients.TURN_TIMEOUT).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json").header("Idempotency-Key", idempotencyKey)
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(sent))).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return answer(key, copy, at, Told.UNKNOWN, null, null, ReplicasAnswer.NO_ANSWER + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return answer(key, copy, at, Told.UNKNOWN, null, null, "interrupted");
        }
        String replica = r.headers().firstValue(ReplicasProxy.SERVED_BY).orElse(null);
        if (r.statusCode() == 502 && replica == null) {
            return answer(key, copy, at, Told.REFUSED, null, null, ReplicasAnswer.NO_REPLICA);
        }
        Read read = read(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
        if (read.responseId() != null) {
            previous = read.responseId();
            lastCompleted = read.told() == Told.COMPLETED ? read.responseId() : lastCompleted;
        } else if (read.newest() != null) {
            previous = read.newest();
        } else if (r.statusCode() == 404 && read.detail().contains("\"param\":\"previous_response_id\"") && lastCompleted != null) {
            previous = lastCompleted;
        }
        return answer(key, copy, at, read.told(), replica, read.state(), read.detail());
    }

    /** What one answer of the door said: how the verdict reads it, the response's status and id, a newer response named. */
    record Read(Told told, @Nullable String state, @Nullable String responseId, @Nullable String newest, String detail) {
    }

    /**
     * Reads an answer: a response (a body, or a stream's last event) as its status says; an error
     * as its status says — {@code 500} "codex may have run it" unknown, a {@code 4xx} or a
     * {@code 503} refused (nothing ran); a stream without its last event no answer.
     */
    static Read read(int status, String contentType, String body) {
        JsonNode response = null;
        if (status == 200 && contentType.startsWith("text/event-stream")) {
            for (String line : body.split("\n")) {
                if (!line.startsWith("data:")) {
                    continue;
                }
                try {
                    JsonNode event = Json.parse(line.substring(5).strip());
                    if (event.path("type").asText("").matches("response\\.(completed|failed|incomplete)")) {
                        response = event.path("response");
                    }
                } catch (RuntimeException notJson) {
                    // a line cut short: read as no event
                }
            }
            if (response == null) {
                return new Read(Told.UNKNOWN, null, null, null, ReplicasAnswer.NO_ANSWER + "the stream ended before its last event: "
                        + tail(body));
            }
        } else {
            try {
                JsonNode json = Json.parse(body);
                if (status == 200) {
                    response = json;
                } else {
                    String message = json.at("/error/message").asText("");
                    Matcher m = NEWEST.matcher(message);
                    String newest = status == 400 && m.find() ? m.group(1) : null;
                    // a 500 comes once codex may have run the turn; every 4xx and 503 comes before it was asked
                    Told told = status == 500 || status == 409 ? Told.UNKNOWN : Told.REFUSED;
                    return new Read(told, null, null, newest, "HTTP " + status + ": " + json.path("error"));
                }
            } catch (RuntimeException notJson) {
                return new Read(Told.UNKNOWN, null, null, null, "HTTP " + status + ": " + tail(body));
            }
        }
        String state = response.path("status").asText("");
        String id = response.path("id").asText(null);
        String error = response.path("error").isObject() ? response.path("error").toString() : "";
        Told told = switch (state) {
            case "completed" -> Told.COMPLETED;
            // "could not be followed to its end; it may have run": either outcome is right
            case "failed" -> error.contains("may have run") ? Told.UNKNOWN : Told.FAILED;
            case "incomplete", "cancelled" -> Told.FAILED;
            default -> Told.UNKNOWN;
        };
        return new Read(told, state, id, null, (told == Told.COMPLETED ? "" : state + " " + error + " ") + "(" + id + ")");
    }

    private static String tail(String body) {
        return body.length() <= 300 ? body : "…" + body.substring(body.length() - 300);
    }

    private ReplicasAnswer answer(String key, int copy, long sent, Told told, @Nullable String replica, @Nullable String state,
                                  String detail) {
        return new ReplicasAnswer(slot, "openai", key, copy, sent, System.currentTimeMillis(), told, replica, null, state, null, null, detail);
    }
}
