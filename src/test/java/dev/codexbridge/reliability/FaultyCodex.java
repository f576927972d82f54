package dev.codexbridge.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A codex stand-in that misbehaves on purpose, run as a real child process by the fault-injection
 * tests ({@code java -cp … FaultyCodex MODE}). It speaks just enough of the protocol —
 * initialize, thread/start, turn/start, turn/interrupt — to reach the fault.
 */
public final class FaultyCodex {
    private static final Object OUT = new Object();
    private static final OutputStream STDOUT = System.out;
    private static final String THREAD = "thread-f";
    private static final String TURN = "turn-f";

    private FaultyCodex() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        if (mode.equals("exit-before-initialize")) {
            System.err.println("Error: config.toml: unknown variant `untrusted` (a fault for the test)");
            System.exit(1);
        }
        if (mode.equals("stderr-flood")) {
            byte[] junk = ("warn: " + "x".repeat(1000) + "\n").getBytes(StandardCharsets.UTF_8);
            for (long written = 0; written < 50L * 1024 * 1024; written += junk.length) {
                System.err.write(junk);
            }
            System.err.flush();
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            JsonNode m = Json.parse(line);
            String method = m.path("method").asText("");
            JsonNode id = m.get("id");
            switch (method) {
                case "initialize" -> {
                    if (mode.equals("overloaded")) {
                        send("{\"id\":" + id + ",\"error\":{\"code\":-32001,\"message\":\"Server overloaded; retry later.\"}}");
                        continue;
                    }
                    send("{\"id\":" + id + ",\"result\":{\"userAgent\":\"faulty/0.169.0\"}}");
                    if (mode.equals("stdout-closed")) {
                        STDOUT.close();
                        Thread.sleep(TimeUnit.MINUTES.toMillis(5));
                    }
                }
                case "thread/start", "thread/resume" -> {
                    if (mode.equals("kill-mid-thread-start")) {
                        killSelf();
                    }
                    send("{\"id\":" + id + ",\"result\":{\"thread\":{\"id\":\"" + THREAD + "\"}}}");
                }
                case "turn/start" -> turnStart(mode, id);
                case "turn/interrupt" -> {
                    send("{\"id\":" + id + ",\"result\":{}}");
                    if (!mode.equals("ignores-interrupt")) {
                        completed("interrupted");
                    }
                }
                default -> {
                    // answers to our server requests and notifications: nothing to do
                }
            }
        }
    }

    private static void turnStart(String mode, JsonNode id) throws Exception {
        send("{\"id\":" + id + ",\"result\":{\"turn\":{\"id\":\"" + TURN + "\",\"status\":\"inProgress\"}}}");
        notify("turn/started", "{\"threadId\":\"" + THREAD + "\",\"turn\":{\"id\":\"" + TURN + "\"}}");
        switch (mode) {
            case "kill-mid-turn" -> {
                message("working…");
                killSelf();
            }
            case "kill-mid-approval" -> {
                approval(0);
                Thread.sleep(300);
                killSelf();
            }
            case "garbage" -> {
                sendRaw("this is not json\n{\"half\": \n\n[1,2]\n{\"method\": 7}\n");
                message("survived the garbage");
                sendRaw("{\"method\":\"item/agentMessage/delta\",\"params\":{\"threadId\":\"" + THREAD + "\",\"turnId\":\"" + TURN
                        + "\",\"itemId\":\"m\",\"delta\":\"pa");
                sendRaw("rtial\"}}\n");
                completed("completed");
            }
            case "huge-line" -> {
                StringBuilder sb = new StringBuilder(101 * 1024 * 1024);
                sb.append("{\"method\":\"item/agentMessage/delta\",\"params\":{\"threadId\":\"").append(THREAD)
                        .append("\",\"turnId\":\"").append(TURN).append("\",\"itemId\":\"m\",\"delta\":\"");
                sb.append("y".repeat(100 * 1024 * 1024));
                sb.append("\"}}\n");
                sendRaw(sb.toString());
                message("after the huge line");
                completed("completed");
            }
            case "unknown-ids" -> {
                send("{\"id\":424242,\"result\":{}}");
                send("{\"id\":" + id + ",\"result\":{\"turn\":{\"id\":\"" + TURN + "\"}}}");
                send("{\"id\":\"nobody\",\"error\":{\"code\":-32600,\"message\":\"stray\"}}");
                message("ids did not confuse it");
                completed("completed");
            }
            case "colliding-ids" -> {
                // a server request whose id equals a client id, and one with a string id
                send("{\"id\":" + id + ",\"method\":\"item/commandExecution/requestApproval\",\"params\":{\"threadId\":\"" + THREAD
                        + "\",\"turnId\":\"" + TURN + "\",\"itemId\":\"c1\",\"startedAtMs\":1,\"command\":\"ls\",\"cwd\":\"/\"}}");
                send("{\"id\":\"str-1\",\"method\":\"item/fileChange/requestApproval\",\"params\":{\"threadId\":\"" + THREAD
                        + "\",\"turnId\":\"" + TURN + "\",\"itemId\":\"f1\",\"startedAtMs\":1}}");
                Thread.sleep(500);
                message("both answered");
                completed("completed");
            }
            case "never-completes", "ignores-interrupt" -> message("thinking forever");
            case "completed-during-approval" -> {
                approval(0);
                completed("completed");
            }
            case "foreign-thread" -> {
                for (int i = 0; i < 50; i++) {
                    notify("item/completed", "{\"threadId\":\"someone-else\",\"turnId\":\"other\",\"item\":{\"type\":\"agentMessage\","
                            + "\"id\":\"x" + i + "\",\"text\":\"not yours\"}}");
                }
                message("mine");
                completed("completed");
            }
            case "approval" -> {
                approval(0);
                Thread.sleep(1500);
                message("after the approval");
                completed("completed");
            }
            default -> {
                message("ok");
                completed("completed");
            }
        }
    }

    private static void approval(int id) throws IOException {
        send("{\"id\":" + id + ",\"method\":\"item/commandExecution/requestApproval\",\"params\":{\"threadId\":\"" + THREAD
                + "\",\"turnId\":\"" + TURN + "\",\"itemId\":\"c1\",\"startedAtMs\":1,\"command\":\"ls\",\"cwd\":\"/\"}}");
    }

    private static void message(String text) throws IOException {
        notify("item/completed", "{\"threadId\":\"" + THREAD + "\",\"turnId\":\"" + TURN + "\",\"item\":{\"type\":\"agentMessage\","
                + "\"id\":\"m-" + Math.abs(text.hashCode()) + "\",\"text\":" + Json.write(Json.nodes().textNode(text)) + "}}");
    }

    private static void completed(String status) throws IOException {
        notify("turn/completed", "{\"threadId\":\"" + THREAD + "\",\"turn\":{\"id\":\"" + TURN + "\",\"status\":\"" + status + "\",\"error\":null}}");
    }

    private static void notify(String method, String params) throws IOException {
        send("{\"method\":\"" + method + "\",\"params\":" + params + "}");
    }

    private static void send(String json) throws IOException {
        sendRaw(json + "\n");
    }

    private static void sendRaw(String text) throws IOException {
        synchronized (OUT) {
            STDOUT.write(text.getBytes(StandardCharsets.UTF_8));
            STDOUT.flush();
        }
    }

    private static void killSelf() throws Exception {
        new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid())).start().waitFor();
        Thread.sleep(10_000);
    }
}
