package dev.codexbridge.spring;

import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.session.TokenUsage;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnStreamEvent;
import dev.codexbridge.transcript.TranscriptMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A turn stream's event as a web page sees it ({@link TurnSse}, {@link TurnFlux}): its
 * {@link TurnStreamEvent#kind() kind} as the event's name and a flat map of strings, numbers and
 * booleans as its data, which any JSON mapper of the host writes alike (Jackson 2 or 3). Items
 * show their id, type and what a page shows of them (a reply's text; a command, its status, exit
 * code and output); the end shows the result's status, final text and error.
 */
public final class TurnEventView {
    private TurnEventView() {
    }

    /** The event's data; its name is {@code event.kind()}. */
    public static Map<String, Object> data(TurnStreamEvent event) {
        Map<String, Object> d = new LinkedHashMap<>();
        if (event instanceof TurnStreamEvent.Delta) {
            TurnStreamEvent.Delta delta = (TurnStreamEvent.Delta) event;
            d.put("itemId", delta.itemId());
            d.put("text", delta.text());
            if (event instanceof TurnStreamEvent.ReasoningDelta) {
                d.put("summary", ((TurnStreamEvent.ReasoningDelta) event).summary());
            }
        } else if (event instanceof TurnStreamEvent.Started) {
            d.put("key", ((TurnStreamEvent.Started) event).key());
            d.put("turnId", ((TurnStreamEvent.Started) event).turnId());
        } else if (event instanceof TurnStreamEvent.ItemStarted) {
            item(d, ((TurnStreamEvent.ItemStarted) event).item());
        } else if (event instanceof TurnStreamEvent.ItemCompleted) {
            item(d, ((TurnStreamEvent.ItemCompleted) event).item());
            d.put("messages", messages(((TurnStreamEvent.ItemCompleted) event).messages()));
        } else if (event instanceof TurnStreamEvent.Transcript) {
            d.put("messages", messages(((TurnStreamEvent.Transcript) event).messages()));
        } else if (event instanceof TurnStreamEvent.Step) {
            d.put("step", ((TurnStreamEvent.Step) event).step());
            item(d, ((TurnStreamEvent.Step) event).item());
        } else if (event instanceof TurnStreamEvent.PlanUpdated) {
            var plan = ((TurnStreamEvent.PlanUpdated) event).plan();
            d.put("explanation", text(plan.explanation()));
            List<Map<String, Object>> steps = new ArrayList<>();
            if (plan.plan() != null) {
                plan.plan().forEach(s -> steps.add(Map.of("step", text(s.step()), "status", s.status() == null ? "" : s.status().wire())));
            }
            d.put("plan", steps);
        } else if (event instanceof TurnStreamEvent.ApprovalRequested) {
            approval(d, ((TurnStreamEvent.ApprovalRequested) event).request());
        } else if (event instanceof TurnStreamEvent.ApprovalAnswered) {
            approval(d, ((TurnStreamEvent.ApprovalAnswered) event).request());
            d.put("choice", ((TurnStreamEvent.ApprovalAnswered) event).decision().choice().name());
        } else if (event instanceof TurnStreamEvent.ApprovalWithdrawn) {
            approval(d, ((TurnStreamEvent.ApprovalWithdrawn) event).request());
        } else if (event instanceof TurnStreamEvent.Retry) {
            d.put("message", text(((TurnStreamEvent.Retry) event).error().message()));
            d.put("category", ((TurnStreamEvent.Retry) event).error().category().name());
        } else if (event instanceof TurnStreamEvent.RateLimitWaiting) {
            var wait = ((TurnStreamEvent.RateLimitWaiting) event).rateLimitWait();
            d.put("attempt", wait.attempt());
            d.put("maxAttempts", wait.maxAttempts());
            d.put("remainingMs", wait.remaining().toMillis());
            d.put("totalMs", wait.total().toMillis());
        } else if (event instanceof TurnStreamEvent.Warning) {
            d.put("message", text(((TurnStreamEvent.Warning) event).message()));
        } else if (event instanceof TurnStreamEvent.ThreadReplaced) {
            d.put("previousThreadId", ((TurnStreamEvent.ThreadReplaced) event).replacement().previousThreadId());
            d.put("threadId", ((TurnStreamEvent.ThreadReplaced) event).replacement().threadId());
        } else if (event instanceof TurnStreamEvent.TokenUsageUpdated) {
            TokenUsage.Counts total = ((TurnStreamEvent.TokenUsageUpdated) event).usage().total();
            if (total != null) {
                d.put("totalTokens", total.totalTokens());
                d.put("inputTokens", total.inputTokens());
                d.put("outputTokens", total.outputTokens());
            }
        } else if (event instanceof TurnStreamEvent.ConnectionLost) {
            d.put("reason", text(((TurnStreamEvent.ConnectionLost) event).reason()));
        } else if (event instanceof TurnStreamEvent.Reattached) {
            d.put("gapMs", ((TurnStreamEvent.Reattached) event).gap().toMillis());
        } else if (event instanceof TurnStreamEvent.Notification) {
            d.put("method", ((TurnStreamEvent.Notification) event).event().method());
        } else if (event instanceof TurnStreamEvent.Ended) {
            TurnResult r = ((TurnStreamEvent.Ended) event).result();
            d.put("status", r.status().wire());
            d.put("finalText", text(r.finalText()));
            d.put("error", r.error() == null ? "" : text(r.error().message()));
            d.put("category", r.error() == null ? "" : r.error().category().name());
            d.put("turnId", text(r.turnId()));
            d.put("durationMs", r.durationMs());
        }
        return d;
    }

    private static void item(Map<String, Object> d, ThreadItem item) {
        d.put("itemId", text(item == null ? null : item.id()));
        String name = item.getClass().getSimpleName();
        d.put("type", Character.toLowerCase(name.charAt(0)) + name.substring(1));
        if (item instanceof ThreadItem.AgentMessage) {
            d.put("text", text(((ThreadItem.AgentMessage) item).text()));
        } else if (item instanceof ThreadItem.CommandExecution) {
            ThreadItem.CommandExecution c = (ThreadItem.CommandExecution) item;
            d.put("command", text(c.command()));
            d.put("status", c.status() == null ? "" : c.status().wire());
            d.put("exitCode", c.exitCode() == null ? "" : c.exitCode().toString());
            d.put("output", text(c.aggregatedOutput()));
        }
    }

    private static void approval(Map<String, Object> d, ApprovalRequest r) {
        d.put("approvalId", text(r.itemId()));
        d.put("kind", r.kind().name());
        d.put("title", text(r.title()));
        d.put("command", text(r.command()));
        d.put("cwd", text(r.cwd()));
        d.put("reason", text(r.reason()));
    }

    private static List<Map<String, Object>> messages(List<TranscriptMessage> messages) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (TranscriptMessage m : messages) {
            out.add(Map.of("role", m.role().wire(), "text", text(m.content())));
        }
        return out;
    }

    private static String text(Object value) {
        return value == null ? "" : String.valueOf(value);
    }
}
