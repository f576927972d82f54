package dev.codexbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.TurnLimits;

/**
 * Live overhead and start-up against the real codex binary and the scripted model server: the
 * library ({@link CodexSession}) against a minimal raw driver (ProcessBuilder, a BufferedReader,
 * Jackson {@code readTree}, no logic) on the same codex, home and script. Blocks of the two
 * alternate so each ratio comes from the same stretch of a noisy machine. Run with
 * {@code bin/bench live [TURNS] [ROUNDS]}.
 */
public final class LiveBench {
    private LiveBench() {
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int turns = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path binary = new CodexLocator().locate(null).binary();
        Path tmp = Files.createTempDirectory("codex-bridge-live-bench-");
        Path work = Files.createDirectories(tmp.resolve("work"));
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
            List<Double> startRaw = new ArrayList<>();
            List<Double> startLib = new ArrayList<>();
            List<Double> turnRatios = new ArrayList<>();
            List<Double> turnRaw = new ArrayList<>();
            List<Double> turnLib = new ArrayList<>();
            for (int r = 0; r <= rounds; r++) {
                // alternate which goes first, so neither always gets the warmer machine
                double[] raw;
                double[] lib;
                if (r % 2 == 0) {
                    raw = raw(binary, home, work, model, turns, startRaw);
                    lib = library(binary, home, work, model, turns, startLib);
                } else {
                    lib = library(binary, home, work, model, turns, startLib);
                    raw = raw(binary, home, work, model, turns, startRaw);
                }
                if (r == 0) {
                    startRaw.clear();
                    startLib.clear();
                    continue; // warm-up round: page cache, JIT
                }
                double mr = median(raw);
                double ml = median(lib);
                turnRaw.add(mr);
                turnLib.add(ml);
                turnRatios.add(ml / mr);
                System.out.printf("  round %d: median turn raw %.1f ms, library %.1f ms, ratio %.3f; start raw %.1f ms, library %.1f ms%n",
                        r, mr, ml, ml / mr, startRaw.get(startRaw.size() - 1), startLib.get(startLib.size() - 1));
            }
            System.out.printf("live: %d turns x %d rounds: median turn raw %.1f ms, library %.1f ms, library/raw %.3f (min %.3f, max %.3f)%n",
                    turns, rounds, median(turnRaw), median(turnLib), median(turnRatios),
                    turnRatios.stream().mapToDouble(d -> d).min().orElse(0), turnRatios.stream().mapToDouble(d -> d).max().orElse(0));
            System.out.printf("start-up: median raw %.1f ms, library %.1f ms, difference %+.1f ms%n",
                    median(startRaw), median(startLib), median(startLib) - median(startRaw));
        }
    }

    private static void script(ScriptedModelServer model, int turn) {
        List<String> deltas = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            deltas.add("word" + i + " ");
        }
        model.enqueue(ModelReply.builder().reasoning("Think about turn " + turn, null).streamedMessage(deltas).build());
    }

    /** Raw driver: spawn, handshake, then {@code turns} turns; returns turn times in ms. */
    private static double[] raw(Path binary, Path home, Path work, ScriptedModelServer model, int turns, List<Double> startTimes)
            throws Exception {
        long t0 = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), "app-server").directory(work.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("CODEX_HOME", home.toString());
        pb.environment().putIfAbsent("RUST_LOG", "warn");
        Process p = pb.start();
        double[] times = new double[turns];
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                OutputStream out = p.getOutputStream()) {
            send(out, "{\"id\":1,\"method\":\"initialize\",\"params\":{\"clientInfo\":{\"name\":\"raw\",\"version\":\"0\"},"
                    + "\"capabilities\":{\"experimentalApi\":false}}}");
            awaitResponse(in, 1);
            send(out, "{\"method\":\"initialized\",\"params\":{}}");
            send(out, "{\"id\":2,\"method\":\"thread/start\",\"params\":{\"cwd\":" + MAPPER.writeValueAsString(work.toString()) + "}}");
            String threadId = awaitResponse(in, 2).path("result").path("thread").path("id").asText();
            startTimes.add((System.nanoTime() - t0) / 1e6);
            for (int t = 0; t < turns; t++) {
                script(model, t);
                long s = System.nanoTime();
                send(out, "{\"id\":" + (10 + t) + ",\"method\":\"turn/start\",\"params\":{\"threadId\":\"" + threadId
                        + "\",\"input\":[{\"type\":\"text\",\"text\":\"turn " + t + "\"}]}}");
                String line;
                while ((line = in.readLine()) != null) {
                    JsonNode m = MAPPER.readTree(line);
                    if ("turn/completed".equals(m.path("method").asText())) {
                        break;
                    }
                }
                times[t] = (System.nanoTime() - s) / 1e6;
            }
        } finally {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        return times;
    }

    private static double[] library(Path binary, Path home, Path work, ScriptedModelServer model, int turns, List<Double> startTimes) {
        double[] times = new double[turns];
        long t0 = System.nanoTime();
        try (CodexSession s = CodexSession.builder().connection(CodexClient.builder().process(CodexLaunch.appServer(binary).codexHome(home).build()).options()).cwd(work)
                .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build()) {
            s.start();
            startTimes.add((System.nanoTime() - t0) / 1e6);
            for (int t = 0; t < turns; t++) {
                script(model, t);
                long st = System.nanoTime();
                TurnResult r = s.runTurn(TurnInput.text("turn " + t));
                times[t] = (System.nanoTime() - st) / 1e6;
                if (r.status() != TurnOutcome.COMPLETED) {
                    throw new IllegalStateException("turn " + t + " ended " + r.status() + ": " + r.error());
                }
            }
        }
        return times;
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static JsonNode awaitResponse(BufferedReader in, int id) throws IOException {
        String line;
        while ((line = in.readLine()) != null) {
            JsonNode m = MAPPER.readTree(line);
            if (!m.has("method") && m.path("id").asInt(-1) == id) {
                return m;
            }
        }
        throw new IOException("codex closed before answering request " + id);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double median(List<Double> values) {
        return median(values.stream().mapToDouble(d -> d).toArray());
    }
}
