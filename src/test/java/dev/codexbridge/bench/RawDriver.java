package dev.codexbridge.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The yardstick of {@code bin/bench process-stream}: the least a program can do to drive one
 * codex turn and print it. It starts {@code CODEX app-server} with {@link ProcessBuilder}, sends
 * {@code initialize}, {@code initialized}, {@code thread/start} and {@code turn/start}, reads every
 * line with {@code BufferedReader.readLine} and Jackson {@code readTree}, answers each server
 * request with {@code {"decision":"accept"}}, and prints what {@code run --json} prints, in the
 * same volume: each agent-message delta's text to stderr (progress) and, on {@code turn/completed},
 * one JSON object on stdout holding every completed item (the transcript). Both streams are
 * buffered and flushed once. It has no logic beyond that: no validation, no projection, no
 * timeouts. Usage: {@code RawDriver CODEX}.
 */
public final class RawDriver {
    private RawDriver() {
    }

    public static void main(String[] args) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        Process p = new ProcessBuilder(args[0], "app-server").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        OutputStream toCodex = p.getOutputStream();
        send(toCodex, "{\"id\":1,\"method\":\"initialize\",\"params\":{\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}");
        send(toCodex, "{\"method\":\"initialized\"}");
        send(toCodex, "{\"id\":2,\"method\":\"thread/start\",\"params\":{\"cwd\":\"/tmp\"}}");
        OutputStream stdout = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        OutputStream stderr = new BufferedOutputStream(new FileOutputStream(FileDescriptor.err), 1 << 16);
        JsonGenerator transcript = mapper.getFactory().createGenerator(stdout);
        transcript.writeStartObject();
        transcript.writeArrayFieldStart("messages");
        long messages = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode m = mapper.readTree(line);
                JsonNode id = m.get("id");
                String method = m.path("method").asText("");
                if (method.isEmpty()) {
                    if (id != null && id.asInt() == 2) {
                        String thread = m.path("result").path("thread").path("id").asText();
                        send(toCodex, "{\"id\":3,\"method\":\"turn/start\",\"params\":{\"threadId\":\"" + thread
                                + "\",\"input\":[{\"type\":\"text\",\"text\":\"stream\"}]}}");
                    }
                    continue;
                }
                messages++;
                if (id != null) {
                    send(toCodex, "{\"id\":" + id + ",\"result\":{\"decision\":\"accept\"}}");
                    continue;
                }
                JsonNode params = m.path("params");
                switch (method) {
                    case "item/agentMessage/delta" -> stderr.write(params.path("delta").asText().getBytes(StandardCharsets.UTF_8));
                    case "item/completed" -> mapper.writeTree(transcript, params.path("item"));
                    default -> { }
                }
                if (method.equals("turn/completed")) {
                    break;
                }
            }
        }
        transcript.writeEndArray();
        transcript.writeNumberField("count", messages);
        transcript.writeEndObject();
        transcript.flush();
        stdout.write('\n');
        stdout.flush();
        stderr.write('\n');
        stderr.flush();
        toCodex.close();
        p.waitFor();
    }

    private static void send(OutputStream out, String line) throws java.io.IOException {
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.write('\n');
        out.flush();
    }
}
