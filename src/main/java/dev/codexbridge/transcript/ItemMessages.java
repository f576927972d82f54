package dev.codexbridge.transcript;

import static dev.codexbridge.transcript.WireValues.idOf;
import static dev.codexbridge.transcript.WireValues.orEmpty;
import static dev.codexbridge.transcript.WireValues.text;
import static dev.codexbridge.transcript.WireValues.wire;
import static dev.codexbridge.transcript.WireValues.wireJson;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.json.JsonFormatException;
import dev.codexbridge.protocol.HookPromptFragment;
import dev.codexbridge.protocol.MessagePhase;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.protocol.UserInput;
import java.util.ArrayList;
import java.util.List;

/**
 * What each kind of {@link ThreadItem} says in the chat shape: a user message, an assistant
 * message, a tool call with its result ({@link ToolCallContent}), a note, or nothing. Items are
 * rendered one by one in the turn's order, and what spans them is kept here: reasoning waiting for
 * the next assistant message, the call ids issued ({@link CallIds}), the number of tool calls and
 * the turn's answer. Which items are rendered, and when, is {@link ItemProjector}'s business.
 */
final class ItemMessages {
    /** The name older codex releases gave {@code collabAgentToolCall}; the schema no longer has it. */
    private static final String LEGACY_COLLAB_TYPE = "collabToolCall";

    private final ProjectorOptions options;
    private final ToolCallContent toolContent;
    private final CallIds callIds = new CallIds();
    private final List<String> pendingReasoning = new ArrayList<>();
    private int toolCalls;
    private String finalText;
    private boolean finalIsAnswer;

    ItemMessages(ProjectorOptions options) {
        this.options = options;
        this.toolContent = new ToolCallContent(options);
    }

    /** Tool-shaped items rendered so far. */
    int toolCalls() {
        return toolCalls;
    }

    /** The last agent message marked {@code final_answer}, else the last agent message; null before any. */
    String finalText() {
        return finalText;
    }

    /** The messages of {@code item}; {@code incomplete}: the turn ended before the item completed. */
    List<TranscriptMessage> of(ThreadItem item, boolean incomplete) {
        if (item instanceof ThreadItem.UserMessage m) {
            return List.of(TranscriptMessage.user(userText(m.content())));
        }
        if (item instanceof ThreadItem.HookPrompt h) {
            return List.of(TranscriptMessage.user("[hook] " + joinTexts(h.fragments())));
        }
        if (item instanceof ThreadItem.AgentMessage m) {
            return agentMessage(m, incomplete);
        }
        if (item instanceof ThreadItem.Reasoning r) {
            addAll(pendingReasoning, r.summary());
            addAll(pendingReasoning, r.content());
            return List.of();
        }
        if (item instanceof ThreadItem.ContextCompaction) {
            return List.of();
        }
        if (item instanceof ThreadItem.CommandExecution c) {
            return tool(item, "exec", builtIn("commandExecution", "exec_command", item), toolContent.commandArgs(c),
                    toolContent.commandResult(c, incomplete), incomplete);
        }
        if (item instanceof ThreadItem.FileChange f) {
            return tool(item, "apply_patch", builtIn("fileChange", "apply_patch", item), toolContent.fileChangeArgs(f),
                    toolContent.fileChangeResult(f, incomplete), incomplete);
        }
        if (item instanceof ThreadItem.McpToolCall m) {
            String server = m.server() == null ? "mcp" : m.server();
            String name = m.tool() == null ? "unknown" : m.tool();
            return tool(item, "mcp_" + CallIds.safe(server) + "_" + CallIds.safe(name),
                    new TranscriptMessage.Source("mcpToolCall", server, null, name, idOf(item)),
                    toolContent.argsOf(m.arguments()), toolContent.mcpResult(m, incomplete), incomplete);
        }
        if (item instanceof ThreadItem.DynamicToolCall d) {
            String name = d.tool() == null ? "unknown" : d.tool();
            String ns = orEmpty(d.namespace()).isEmpty() ? null : d.namespace();
            return tool(item, "dyn_" + CallIds.safe(name),
                    new TranscriptMessage.Source("dynamicToolCall", null, ns, name, idOf(item)),
                    toolContent.argsOf(d.arguments()), toolContent.dynamicResult(d, incomplete), incomplete);
        }
        if (item instanceof ThreadItem.WebSearch w) {
            return tool(item, "web_search", builtIn("webSearch", "web_search", item), toolContent.webSearchArgs(w),
                    toolContent.webSearchResult(w, incomplete), incomplete);
        }
        if (item instanceof ThreadItem.ImageView v) {
            return tool(item, "view_image", builtIn("imageView", "view_image", item), toolContent.imageViewArgs(v),
                    toolContent.imageViewResult(incomplete), incomplete);
        }
        if (item instanceof ThreadItem.ImageGeneration g) {
            return tool(item, "image_gen", builtIn("imageGeneration", "image_generation", item),
                    toolContent.imageGenerationArgs(g), toolContent.imageGenerationResult(g, incomplete), incomplete);
        }
        if (item instanceof ThreadItem.CollabAgentToolCall c) {
            return collab(item, c, incomplete);
        }
        if (item instanceof ThreadItem.Plan p) {
            return note("[codex plan] " + orEmpty(p.text()));
        }
        if (item instanceof ThreadItem.EnteredReviewMode r) {
            return note("[codex review started] " + orEmpty(r.review()));
        }
        if (item instanceof ThreadItem.ExitedReviewMode r) {
            return note("[codex review finished] " + orEmpty(r.review()));
        }
        if (item instanceof ThreadItem.SubAgentActivity s) {
            return note("[codex sub-agent " + wire(s.kind(), "activity") + "] "
                    + (s.agentPath() != null ? s.agentPath() : orEmpty(s.agentThreadId())));
        }
        if (item instanceof ThreadItem.Sleep s) {
            return note("[codex sleep] " + (s.durationMs() == null ? "?" : s.durationMs().toString()) + " ms");
        }
        if (item instanceof ThreadItem.Unknown u && LEGACY_COLLAB_TYPE.equals(text(u.raw(), "type"))) {
            try {
                return collab(item, Json.convert(u.raw(), ThreadItem.CollabAgentToolCall.class), incomplete);
            } catch (JsonFormatException doesNotFit) {
                // projected as an opaque note below, like any item that does not fit its type
            }
        }
        // functionCallOutput, and every item this version does not know: shown, never a tool call
        JsonNode json = wireJson(item);
        return note("[codex " + text(json, "type") + "] " + CanonicalJson.write(json));
    }

    private List<TranscriptMessage> agentMessage(ThreadItem.AgentMessage item, boolean incomplete) {
        String text = orEmpty(item.text());
        boolean answer = item.phase() == MessagePhase.FINAL_ANSWER;
        if (answer || !finalIsAnswer) {
            finalText = text;
            finalIsAnswer = answer;
        }
        return List.of(new TranscriptMessage(TranscriptMessage.Role.ASSISTANT, text, null, null, takeReasoning(), incomplete));
    }

    private List<TranscriptMessage> collab(ThreadItem item, ThreadItem.CollabAgentToolCall call, boolean incomplete) {
        JsonNode args = toolContent.collabArgs(call);
        String result = toolContent.collabResult(call, incomplete);
        return tool(item, "collab", new TranscriptMessage.Source("collabAgentToolCall", null, null,
                wire(call.tool(), "unknown"), idOf(item)), args, result, incomplete);
    }

    private static TranscriptMessage.Source builtIn(String itemType, String tool, ThreadItem item) {
        return new TranscriptMessage.Source(itemType, null, null, tool, idOf(item));
    }

    /** The function name of a call: codex's built-in names as they are, the others through {@link ToolNames}. */
    private static String functionName(TranscriptMessage.Source source) {
        return switch (source.itemType()) {
            case "mcpToolCall" -> ToolNames.mcp(source.server(), source.tool());
            case "dynamicToolCall" -> ToolNames.dynamic(source.namespace(), source.tool());
            case "collabAgentToolCall" -> ToolNames.collab(source.tool());
            default -> source.tool();
        };
    }

    /** One assistant message with the call, then the tool message with its result under the same id. */
    private List<TranscriptMessage> tool(ThreadItem item, String kind, TranscriptMessage.Source source, JsonNode args,
                                         String result, boolean incomplete) {
        toolCalls++;
        String id = callIds.next(kind, item);
        TranscriptMessage.ToolCall call = TranscriptMessage.ToolCall.function(id, functionName(source),
                CanonicalJson.write(args), source);
        return List.of(TranscriptMessage.toolCall(call, takeReasoning(), incomplete),
                TranscriptMessage.toolResult(id, result, incomplete));
    }

    /** An assistant note for an item without a chat equivalent; it leaves pending reasoning where it is. */
    private List<TranscriptMessage> note(String text) {
        return List.of(TranscriptMessage.assistant(ProjectorOptions.truncate(text, options.maxNoteChars()), null));
    }

    private String takeReasoning() {
        if (pendingReasoning.isEmpty()) {
            return null;
        }
        String r = String.join("\n", pendingReasoning);
        pendingReasoning.clear();
        return r;
    }

    private static String userText(List<UserInput> input) {
        List<String> parts = new ArrayList<>();
        for (UserInput part : orEmpty(input)) {
            if (part instanceof UserInput.Text t) {
                parts.add(orEmpty(t.text()));
            } else if (part instanceof UserInput.Image) {
                parts.add("[image]");
            } else if (part instanceof UserInput.LocalImage i) {
                parts.add("[image: " + orEmpty(i.path()) + "]");
            } else if (part instanceof UserInput.Audio) {
                parts.add("[audio]");
            } else if (part instanceof UserInput.LocalAudio a) {
                parts.add("[audio: " + orEmpty(a.path()) + "]");
            } else if (part instanceof UserInput.Skill s) {
                parts.add("[skill: " + orEmpty(s.name()) + "]");
            } else if (part instanceof UserInput.Mention m) {
                parts.add("[mention: " + orEmpty(m.name()) + "]");
            } else {
                JsonNode raw = wireJson(part);
                parts.add(raw.has("text") ? text(raw, "text") : "[" + text(raw, "type") + "]");
            }
        }
        return String.join("\n", parts);
    }

    private static String joinTexts(List<HookPromptFragment> fragments) {
        List<String> parts = new ArrayList<>();
        for (HookPromptFragment f : orEmpty(fragments)) {
            parts.add(f == null ? "" : orEmpty(f.text()));
        }
        return String.join("\n", parts);
    }

    private static void addAll(List<String> into, List<String> texts) {
        for (String s : orEmpty(texts)) {
            if (s != null && !s.isEmpty()) {
                into.add(s);
            }
        }
    }
}
