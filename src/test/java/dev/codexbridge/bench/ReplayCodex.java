package dev.codexbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A codex stand-in as a process, for {@code bin/bench process-stream}: {@code codex app-server}
 * that answers {@code initialize}, {@code thread/start} and {@code turn/start} (thread-1, turn-1)
 * and every other request with an empty result, then writes a pre-generated turn
 * ({@link TurnStream}, one JSON line per message) to stdout as fast as the reader takes it. It
 * exits at the end of its stdin. When {@code REPLAY_CODEX_STATS} names a file, it writes its own
 * CPU time and peak RSS there on the way out, so the harness can tell its share from the
 * contender's.
 *
 * <p>Usage: {@code ReplayCodex STREAM_FILE}.
 */
public final class ReplayCodex {
    private ReplayCodex() {
    }

    public static void main(String[] args) throws Exception {
        Path stream = Path.of(args[0]);
        ObjectMapper mapper = new ObjectMapper();
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Thread writer = null;
        String line;
        while ((line = in.readLine()) != null) {
            JsonNode m = mapper.readTree(line);
            JsonNode id = m.get("id");
            String method = m.path("method").asText("");
            if (id == null || method.isEmpty()) {
                continue; // a notification (initialized) or an answer to an approval request
            }
            ObjectNode response = mapper.createObjectNode();
            response.set("id", id);
            ObjectNode result = response.putObject("result");
            boolean turn = false;
            switch (method) {
                case "initialize" -> result.put("userAgent", "replay/0.169.0").put("codexHome", "/tmp");
                case "thread/start", "thread/resume" -> result.putObject("thread").put("id", "thread-1");
                case "turn/start" -> {
                    result.putObject("turn").put("id", "turn-1").put("status", "inProgress");
                    turn = true;
                }
                default -> { }
            }
            synchronized (out) {
                out.write(mapper.writeValueAsBytes(response));
                out.write('\n');
            }
            if (turn && writer == null) {
                writer = new Thread(() -> replay(stream, out), "replay");
                writer.start();
            }
        }
        if (writer != null) {
            writer.join();
        }
        String stats = System.getenv("REPLAY_CODEX_STATS");
        if (stats != null && !stats.isEmpty()) {
            Files.writeString(Path.of(stats), ProcStats.self().toString() + "\n");
        }
    }

    /** Writes the turn in chunks that end on a line break, so an answer written meanwhile never splits a line. */
    private static void replay(Path stream, OutputStream out) {
        byte[] buf = new byte[256 * 1024];
        try (InputStream file = Files.newInputStream(stream)) {
            int filled = 0;
            while (true) {
                int n = file.read(buf, filled, buf.length - filled);
                if (n > 0) {
                    filled += n;
                }
                int end = filled;
                if (n >= 0) {
                    while (end > 0 && buf[end - 1] != '\n') {
                        end--;
                    }
                    if (end == 0 && filled == buf.length) {
                        buf = java.util.Arrays.copyOf(buf, buf.length * 2); // a line longer than the buffer
                        continue;
                    }
                }
                synchronized (out) {
                    out.write(buf, 0, end);
                }
                System.arraycopy(buf, end, buf, 0, filled - end);
                filled -= end;
                if (n < 0) {
                    return;
                }
            }
        } catch (IOException e) {
            // the reader went away; its exit status tells the harness
        }
    }
}
