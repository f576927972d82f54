package dev.codexbridge.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.protocol.ThreadReadResponse;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.transcript.ItemProjector;
import dev.codexbridge.transcript.TranscriptMessage;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tools' handlers: a turn on a new conversation ({@code codex}) or a held or resumed one
 * ({@code codex-reply}), run while the client waits, its items reported as progress, a
 * {@code notifications/cancelled} for the call interrupting it; and the transcript, as a tool and
 * as a resource. A refused call (bad arguments, a limit, a thread that is not the caller's) is a
 * result with {@code isError} and the reason, as MCP asks of tool errors.
 */
final class ToolCalls {
    private static final Logger LOG = LoggerFactory.getLogger(ToolCalls.class);

    private final Conversations conversations;
    private final Cancellations cancellations;
    private final @Nullable Set<String> callerSettings;
    private final Path cwd;
    private final @Nullable JsonNode outputSchema;
    private final String stdioPrincipal;
    private final KeyedCalls keyed;

    ToolCalls(Conversations conversations, Cancellations cancellations, @Nullable Set<String> callerSettings, Path cwd,
            @Nullable JsonNode outputSchema, String stdioPrincipal, KeyedCalls keyed) {
        this.conversations = conversations;
        this.cancellations = cancellations;
        this.callerSettings = callerSettings;
        this.cwd = cwd;
        this.outputSchema = outputSchema;
        this.stdioPrincipal = stdioPrincipal;
        this.keyed = keyed;
    }

    /** {@code codex}: a turn on a new conversation; a call sent with an idempotency key runs once ({@link KeyedCalls}). */
    McpSchema.CallToolResult codex(McpSyncServerExchange exchange, McpSchema.CallToolRequest request) {
        return keyed.call(principal(exchange), CodexTools.CODEX, request, ran -> codex(exchange, request, ran));
    }

    /** {@code codex-reply}: a turn on a held or resumed conversation; keyed as {@link #codex} is. */
    McpSchema.CallToolResult reply(McpSyncServerExchange exchange, McpSchema.CallToolRequest request) {
        return keyed.call(principal(exchange), CodexTools.REPLY, request, ran -> reply(exchange, request, ran));
    }

    private McpSchema.CallToolResult codex(McpSyncServerExchange exchange, McpSchema.CallToolRequest request, AtomicBoolean ran) {
        try {
            Map<String, Object> args = request.arguments();
            String prompt = CallArguments.prompt(args);
            boolean remote = remote(exchange);
            CallArguments.refuseUnlisted(args, allowedSettings(remote));
            UnaryOperator<ThreadOptions> thread = CallArguments.threadChange(args, remote);
            String principal = principal(exchange);
            // the turn budget before the thread: a refused call leaves no conversation behind
            conversations.beginTurn(principal);
            try {
                Conversation c = used(conversations.open(principal, thread), exchange);
                TurnOptions options;
                try {
                    // a remote caller's settings are measured against the host's, known once the thread is set up
                    options = CallArguments.turnOptions(args, c.session.threadOptions(), cwd, remote);
                } catch (McpCallException e) {
                    conversations.discard(c);
                    throw e;
                }
                return turn(c, exchange, request, prompt, options, ran);
            } finally {
                conversations.endTurn(principal);
            }
        } catch (McpCallException e) {
            return ToolResults.refused(e.getMessage());
        } catch (CodexException e) {
            // codex could not be reached or refused the thread: a tool error the caller can read, not a protocol error
            LOG.debug("tool call failed", e);
            return ToolResults.refused("codex could not run this: " + e.getMessage());
        }
    }

    private McpSchema.CallToolResult reply(McpSyncServerExchange exchange, McpSchema.CallToolRequest request, AtomicBoolean ran) {
        try {
            Map<String, Object> args = request.arguments() == null ? Map.of() : request.arguments();
            String prompt = CallArguments.prompt(args);
            String threadId = threadId(args);
            for (String name : args.keySet()) {
                if (!Set.of("prompt", "threadId", "conversationId").contains(name)) {
                    throw new McpCallException("codex-reply takes prompt and threadId, not " + name);
                }
            }
            String principal = principal(exchange);
            conversations.beginTurn(principal);
            try {
                return turn(used(conversations.find(principal, threadId), exchange), exchange, request, prompt, TurnOptions.DEFAULTS, ran);
            } finally {
                conversations.endTurn(principal);
            }
        } catch (McpCallException e) {
            return ToolResults.refused(e.getMessage());
        } catch (CodexException e) {
            // codex could not be reached or refused the thread: a tool error the caller can read, not a protocol error
            LOG.debug("tool call failed", e);
            return ToolResults.refused("codex could not run this: " + e.getMessage());
        }
    }

    McpSchema.CallToolResult transcript(McpSyncServerExchange exchange, McpSchema.CallToolRequest request) {
        try {
            Map<String, Object> args = request.arguments() == null ? Map.of() : request.arguments();
            String threadId = CallArguments.text(args, "threadId");
            if (threadId == null) {
                throw new McpCallException("the threadId argument is required");
            }
            Conversation c = used(conversations.find(principal(exchange), threadId), exchange);
            ThreadReadResponse read = c.session.read(true);
            List<TranscriptMessage> messages = transcriptOf(read);
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("threadId", threadId);
            s.put("messages", Json.convert(Json.tree(messages), List.class));
            // codex's record of each turn's end: completed, interrupted, failed
            List<Map<String, Object>> turns = new ArrayList<>();
            for (Turn t : turns(read)) {
                Map<String, Object> turn = new LinkedHashMap<>();
                turn.put("turnId", t.id());
                turn.put("status", t.status() == null ? null : Json.tree(t.status()).asText());
                turns.add(turn);
            }
            s.put("turns", turns);
            return McpSchema.CallToolResult.builder().content(List.of(new McpSchema.TextContent(Json.write(messages))))
                    .structuredContent(s).isError(false).build();
        } catch (McpCallException e) {
            return ToolResults.refused(e.getMessage());
        } catch (CodexException e) {
            // codex could not be reached or refused the thread: a tool error the caller can read, not a protocol error
            LOG.debug("tool call failed", e);
            return ToolResults.refused("codex could not run this: " + e.getMessage());
        }
    }

    McpSchema.ReadResourceResult readThread(McpSyncServerExchange exchange, McpSchema.ReadResourceRequest request) {
        String uri = request.uri();
        String prefix = CodexTools.THREAD_URI.substring(0, CodexTools.THREAD_URI.indexOf('{'));
        if (!uri.startsWith(prefix) || uri.length() == prefix.length()) {
            throw new McpError(new McpSchema.JSONRPCResponse.JSONRPCError(McpSchema.ErrorCodes.RESOURCE_NOT_FOUND,
                    "no such resource: " + uri, null));
        }
        try {
            List<TranscriptMessage> messages = transcriptOf(conversations.find(principal(exchange), uri.substring(prefix.length()))
                    .session.read(true));
            return new McpSchema.ReadResourceResult(List.of(new McpSchema.TextResourceContents(uri, "application/json",
                    Json.write(messages))));
        } catch (StartingSessions.NotUp e) {
            throw new McpError(new McpSchema.JSONRPCResponse.JSONRPCError(McpSchema.ErrorCodes.INTERNAL_ERROR, e.getMessage(), null));
        } catch (McpCallException e) {
            throw new McpError(new McpSchema.JSONRPCResponse.JSONRPCError(McpSchema.ErrorCodes.RESOURCE_NOT_FOUND, e.getMessage(), null));
        }
    }

    private static List<TranscriptMessage> transcriptOf(ThreadReadResponse read) {
        ItemProjector projector = new ItemProjector();
        List<TranscriptMessage> messages = new ArrayList<>();
        for (Turn t : turns(read)) {
            if (t.items() != null) {
                for (ThreadItem item : t.items()) {
                    messages.addAll(projector.completed(item));
                }
            }
        }
        return messages;
    }

    private static List<Turn> turns(ThreadReadResponse read) {
        return read.thread() == null || read.thread().turns() == null ? List.of() : read.thread().turns();
    }

    /** Runs the turn; {@code ran} is set once codex is asked, and cleared again when codex never received it. */
    private McpSchema.CallToolResult turn(Conversation c, McpSyncServerExchange exchange, McpSchema.CallToolRequest request,
            String prompt, TurnOptions options, AtomicBoolean ran) {
        if (!c.turn.tryLock()) {
            throw new McpCallException("a turn is already running on thread " + c.threadId + "; wait for its answer");
        }
        try {
            c.lastUsedNanos = System.nanoTime();
            Map<String, Object> meta = request.meta();
            String requestId = CancelTap.requestId(meta);
            String channel = CancelTap.channel(meta);
            // the call's JSON-RPC id as the client sent it (a string or a number), a plain value for the SDK's own JSON
            c.caller.during(new CallerElicitation.Call(exchange, requestId == null ? null : Json.convert(Json.parse(requestId), Object.class)));
            TurnOptions run = outputSchema == null ? options : options.withOutputSchema(outputSchema);
            TurnListener progress = ProgressReporter.forCall(exchange, meta);
            AutoCloseable cancel = requestId != null && channel != null
                    ? cancellations.register(channel, requestId, c.session::interrupt) : () -> { };
            TurnResult r;
            try {
                ran.set(true);
                r = c.session.runTurn(TurnInput.text(prompt), run, progress);
            } finally {
                close(cancel);
            }
            ran.set(r.status() != TurnOutcome.NOT_RECEIVED);
            return ToolResults.of(r, c.threadId, structured(r));
        } finally {
            c.caller.during(null);
            c.lastUsedNanos = System.nanoTime();
            c.turn.unlock();
        }
    }

    private @Nullable Object structured(TurnResult r) {
        if (outputSchema == null || r.status() != TurnOutcome.COMPLETED || r.finalText() == null) {
            return null;
        }
        try {
            return Json.convert(Json.parse(r.finalText()), Object.class);
        } catch (RuntimeException e) {
            LOG.debug("final message is not JSON: {}", e.toString());
            return null;
        }
    }

    /** What a caller may set: the host's choice, else everything on stdio (the local user's own client) and nothing over HTTP. */
    private Set<String> allowedSettings(boolean remote) {
        return callerSettings != null ? callerSettings : remote ? Set.of() : CallArguments.ALL_SETTINGS;
    }

    /** Notes the MCP session the call came in on {@code c}: the conversation is let go when that session ends. */
    private static Conversation used(Conversation c, McpSyncServerExchange exchange) {
        Object session = exchange.transportContext() == null ? null : exchange.transportContext().get(CodexMcpServer.MCP_SESSION);
        if (session instanceof String id) {
            c.lastSession = id;
        }
        return c;
    }

    /** Whether the call came over HTTP from an authenticated (or anonymous) remote caller rather than the stdio client. */
    private static boolean remote(McpSyncServerExchange exchange) {
        return exchange.transportContext() != null && exchange.transportContext().get(CodexMcpServer.PRINCIPAL) instanceof String;
    }

    private String principal(McpSyncServerExchange exchange) {
        Object p = exchange.transportContext() == null ? null : exchange.transportContext().get(CodexMcpServer.PRINCIPAL);
        return p instanceof String s ? s : stdioPrincipal;
    }

    private static String threadId(Map<String, Object> args) {
        String id = CallArguments.text(args, "threadId");
        if (id == null) {
            id = CallArguments.text(args, "conversationId");
        }
        if (id == null || id.isBlank()) {
            throw new McpCallException("threadId is required: the thread id the codex tool answered");
        }
        return id;
    }

    private static void close(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // removing a map entry does not fail
        }
    }
}
