package dev.codexbridge.openai;

import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.DoorRecords;
import dev.codexbridge.store.spi.DoorRecordChecks;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The questions whose answers a held turn took (decision 0137): answers sent again for one of them
 * are a resend — a client that lost the first answer's reply — not answers that came after their
 * turn stopped waiting, and are refused (404) rather than given to codex as new input, which would
 * run them twice. Kept as door records under {@link #KIND}, by question id, naming the principal:
 * in the store every replica shares, or in the door's memory.
 */
final class AnsweredCalls {
    private static final Logger LOG = LoggerFactory.getLogger(AnsweredCalls.class);
    static final String KIND = "openai.answered";

    private final DoorRecords records;

    AnsweredCalls(DoorRecords records) {
        this.records = records;
    }

    /** {@code principal}'s answers to {@code ids} were taken by the turn that asked them. */
    void taken(String principal, Collection<String> ids) {
        byte[] whose = principal.getBytes(StandardCharsets.UTF_8);
        try {
            for (String id : ids) {
                records.put(KIND, id, whose);
            }
        } catch (ConversationStoreException | IllegalArgumentException e) {
            // only a resend's refusal is lost: sent again once its turn ended, it would go to codex as new input
            LOG.info("the answers to {} were not noted as taken ({}): sent again, they could run as new input", ids, e.getMessage());
        }
    }

    /** Whether a turn took {@code principal}'s answer to any of {@code ids}; a store that does not answer is 503, "send again". */
    boolean anyTaken(String principal, Collection<String> ids) {
        List<String> asked = List.copyOf(ids);
        try {
            return records.getAll(KIND, asked.subList(0, Math.min(asked.size(), DoorRecordChecks.MAX_KEYS))).values().stream()
                    .anyMatch(whose -> principal.equals(new String(whose, StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException tooLong) {
            return false;       // an id no record can have: never noted as taken
        } catch (ConversationStoreException e) {
            throw OpenAiError.unavailable("store_unavailable", "the conversation store did not answer; nothing was run: send this again", 2);
        }
    }
}
