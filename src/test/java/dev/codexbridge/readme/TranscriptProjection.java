package dev.codexbridge.readme;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.protocol.ServerNotification;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.transcript.ItemProjector;
import dev.codexbridge.transcript.TranscriptMessage;
import java.util.List;

/** docs/transcript.md: each method of {@link ItemProjector}, called as a host calls it. */
final class TranscriptProjection {
    private TranscriptProjection() {
    }

    static String project(ServerNotification notification, String method, JsonNode params, ThreadItem item, String itemId,
                          String delta) {
        // docs/transcript.md:BEGIN
        ItemProjector projector = new ItemProjector();
        List<TranscriptMessage> decoded = projector.onNotification(notification);   // a ServerNotification: the decoded params
        List<TranscriptMessage> fromJson = projector.onNotification(method, params); // a method, its JsonNode params: decodes, then as above
        projector.started(item);                                                     // a ThreadItem
        List<TranscriptMessage> completed = projector.completed(item);
        projector.delta(itemId, delta);
        List<TranscriptMessage> rest = projector.finish();
        List<TranscriptMessage> all = projector.messages();
        String finalText = projector.finalText();
        int toolIterations = projector.toolIterations();
        // docs/transcript.md:END
        return decoded.size() + fromJson.size() + completed.size() + rest.size() + all.size() + toolIterations + finalText;
    }
}
