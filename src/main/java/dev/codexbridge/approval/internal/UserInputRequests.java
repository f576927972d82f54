package dev.codexbridge.approval.internal;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalKind;
import dev.codexbridge.approval.ApprovalRequest;
import static dev.codexbridge.approval.internal.ParamText.blankToNull;
import static dev.codexbridge.approval.internal.ParamText.orElse;
import static dev.codexbridge.approval.internal.ParamText.orEmpty;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.protocol.ServerRequests;
import dev.codexbridge.protocol.ToolRequestUserInputAnswer;
import dev.codexbridge.protocol.ToolRequestUserInputParams;
import dev.codexbridge.protocol.ToolRequestUserInputQuestion;
import dev.codexbridge.protocol.ToolRequestUserInputResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The table's entry for {@code item/tool/requestUserInput}: questions for the user (plan mode). */
final class UserInputRequests {
    private UserInputRequests() {
    }

    static RequestEntry<ToolRequestUserInputParams> entry(ApprovalDecider decider, String sessionCwd) {
        return RequestEntry.approval(ServerRequests.ITEM_TOOL_REQUEST_USER_INPUT, decider,
                p -> describe(p, sessionCwd), (p, d) -> respond(d));
    }

    private static ApprovalRequest describe(ToolRequestUserInputParams p, String sessionCwd) {
        List<String> questions = new ArrayList<>();
        for (ToolRequestUserInputQuestion q : orEmpty(p.questions())) {
            questions.add(q.question() != null ? q.question() : orElse(q.header(), ""));
        }
        return new ApprovalRequest(ApprovalKind.USER_INPUT, ServerRequests.ITEM_TOOL_REQUEST_USER_INPUT.method(),
                blankToNull(p.threadId()), blankToNull(p.turnId()), blankToNull(p.itemId()),
                questions.isEmpty() ? "question" : questions.get(0), String.join("\n", questions), null,
                sessionCwd, null, null, null, List.of(), p);
    }

    /** {@code {"id": "a"}}, {@code {"id": ["a", "b"]}} or {@code {"id": {"answers": [...]}}} → codex's answers. */
    private static ToolRequestUserInputResponse respond(ApprovalDecision d) {
        Map<String, ToolRequestUserInputAnswer> answers = new LinkedHashMap<>();
        if (d.choice().allows() && d.content() != null && d.content().isObject()) {
            for (Map.Entry<String, JsonNode> e : d.content().properties()) {
                JsonNode v = e.getValue().has("answers") ? e.getValue().get("answers") : e.getValue();
                List<String> list = new ArrayList<>();
                if (v.isArray()) {
                    v.forEach(a -> list.add(a.asText()));
                } else {
                    list.add(v.asText());
                }
                answers.put(e.getKey(), new ToolRequestUserInputAnswer(list));
            }
        }
        return new ToolRequestUserInputResponse(answers);
    }
}
