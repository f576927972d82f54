package dev.codexbridge.support;

import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexConnection;
import dev.codexbridge.protocol.InitializeParams;
import dev.codexbridge.protocol.InitializeResponse;
import java.time.Duration;

/**
 * The handshake on a bare process connection, for tests that drive codex below the client layer
 * (the library's one handshake is {@code CodexClient.Builder.connect}).
 */
public final class RawHandshake {
    private RawHandshake() {
    }

    public static InitializeResponse initialize(CodexConnection conn, InitializeParams params, Duration timeout) {
        InitializeResponse answer = Json.convert(conn.call("initialize", params, timeout), InitializeResponse.class);
        conn.peer().notify("initialized", null);
        return answer;
    }
}
