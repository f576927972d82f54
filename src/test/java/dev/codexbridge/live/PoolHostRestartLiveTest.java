package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.readme.PoolHost;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.transcript.TranscriptMessage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host restart: a host JVM ({@link PoolHostMain}) runs a turn through a {@link CodexPool} over
 * two real app-servers on one CODEX_HOME and is killed with SIGKILL while the turn's command
 * runs. A new pool, with no saved thread → endpoint map, resumes the thread by its id alone,
 * lands on the endpoint that holds it (not the first listed, where a resume would be a second
 * writer), finds the turn still running, follows it ({@link CodexSession#attachTurnAsync}, through
 * the deploy guide's {@link PoolHost#reopen}) and receives its result and full transcript, each
 * item once.
 */
class PoolHostRestartLiveTest {
    private static final String ANSWER = "The slow command printed slow-done.";

    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private final List<ListeningAppServer> servers = new ArrayList<>();
    private final WireSchema.Recorder wire = new WireSchema.Recorder();
    private Process host;

    @AfterEach
    void tearDown() {
        if (host != null) {
            host.destroyForcibly();
        }
        servers.forEach(ListeningAppServer::close);
        if (model != null) {
            model.close();
        }
        assertThat(WireSchema.pinned().validateConversation(wire)).isEmpty();
    }

    @Test
    void aHostKilledMidTurnIsFollowedByOneWithoutASavedMapThatGetsTheTurnsResultAndTranscript() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
        for (int i = 0; i < 2; i++) {
            servers.add(ListeningAppServer.websocket(LiveCodex.binary(), home, work, List.of()));
        }
        // under codex's exec yield time (10 s), so the command ends inside the turn and its item completes there
        model.enqueue(ModelReply.builder().execCommand("call-slow", "sleep 8 && echo slow-done").build(), ModelReply.message(ANSWER));

        // the first host: places its thread, starts the turn, says what it would have to remember, and dies
        Path hostErr = tmp.resolve("host-stderr.txt");
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(), "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                PoolHostMain.class.getName(), work.toString(), servers.get(0).uri().toString(), servers.get(1).uri().toString()));
        host = new ProcessBuilder(command).redirectError(hostErr.toFile()).start();
        Map<String, String> said = readUntilRunning(host, hostErr);
        String thread = said.get("THREAD");
        String turnId = said.get("TURN");
        assertThat(said.get("ENDPOINT")).as("the turn's thread lives on the second endpoint").isEqualTo("node-1");
        host.destroyForcibly();
        long killed = System.nanoTime();
        assertThat(host.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(host.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);

        // the host starts again: a new pool, nothing saved but the thread and turn ids
        try (CodexPool pool = CodexPool.builder().sharedCodexHome(true)
                .endpoint("node-0", servers.get(0).endpoint()).endpoint("node-1", servers.get(1).endpoint())
                .clientConfigurer(c -> c.wireTap(wire)).build()) {
            assertThat(pool.endpointOf(thread)).isEmpty();
            List<ThreadItem> completed = new CopyOnWriteArrayList<>();
            CompletableFuture<TurnResult> ended = new CompletableFuture<>();
            // the deploy guide's example: the thread id is all the new host has
            try (CodexSession session = PoolHost.reopen(pool, thread, work, new TurnListener() {
                @Override
                public void onItemCompleted(ThreadItem item, List<TranscriptMessage> messages) {
                    completed.add(item);
                }
            }, ended::complete)) {
                System.out.printf("host restart: thread resumed and its running turn found %.0f ms after the host was killed%n",
                        (System.nanoTime() - killed) / 1e6);
                assertThat(session.threadId()).isEqualTo(thread);
                assertThat(pool.endpointOf(thread)).as("found where it is loaded").contains("node-1");

                TurnResult r = ended.get(120, TimeUnit.SECONDS);    // completes only for a turn that still ran at the reopen
                assertThat(completed).filteredOn(i -> i instanceof ThreadItem.CommandExecution).as("the command, once").hasSize(1);
                assertThat(completed).filteredOn(i -> i instanceof ThreadItem.AgentMessage).as("the answer, once").hasSize(1);
                assertThat(r.turnId()).isEqualTo(turnId);
                assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
                assertThat(r.finalText()).isEqualTo(ANSWER);
                assertThat(r.messages()).as("transcript %s", r.toJson()).extracting(TranscriptMessage::role)
                        .containsExactly(TranscriptMessage.Role.USER, TranscriptMessage.Role.ASSISTANT, TranscriptMessage.Role.TOOL,
                                TranscriptMessage.Role.ASSISTANT);
                assertThat(r.messages().get(0).content()).isEqualTo("run the slow command");
                assertThat(r.messages().get(1).toolCalls()).singleElement()
                        .satisfies(call -> assertThat(call.function().arguments()).contains("sleep 8"));
                assertThat(r.messages().get(2).content()).contains("slow-done");
                assertThat(r.messages().get(3).content()).isEqualTo(ANSWER);
            }
        }
    }

    /** The host's {@code KEY value} lines up to {@code RUNNING}. */
    private static Map<String, String> readUntilRunning(Process host, Path hostErr) throws Exception {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(host.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the host was killed
            }
            lines.add("EOF");
        }, "host-stdout");
        reader.setDaemon(true);
        reader.start();
        Map<String, String> said = new HashMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (true) {
            String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null || line.equals("EOF") || line.equals("NOT-RUNNING")) {
                throw new AssertionError("the host did not get its turn running (" + line + "): " + Files.readString(hostErr));
            }
            if (line.equals("RUNNING")) {
                return said;
            }
            int space = line.indexOf(' ');
            if (space > 0) {
                said.put(line.substring(0, space), line.substring(space + 1));
            }
        }
    }
}
