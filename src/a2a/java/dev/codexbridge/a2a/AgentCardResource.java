package dev.codexbridge.a2a;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * The {@link A2aServer}'s agent card: made once per A2A version on first use (it does not change
 * while the server runs) and served with HTTP caching (A2A 1.0 §8.6).
 */
final class AgentCardResource {
    /** How long a caller may use a fetched agent card before it asks again (with its ETag). */
    static final Duration CARD_MAX_AGE = Duration.ofMinutes(5);

    /** What the card says, asked when a version's card is first made (the server's address is known by then). */
    private final Supplier<AgentCard.Facts> facts;
    private final Map<A2aVersion, byte[]> cards = new EnumMap<>(A2aVersion.class);
    /** When the card was made: its {@code Last-Modified} (it does not change while the server runs). */
    private final String cardModified = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).withNano(0));

    AgentCardResource(Supplier<AgentCard.Facts> facts) {
        this.facts = facts;
    }

    /** The card's bytes for {@code v}; no version asked: 0.3's (with the 1.0 interfaces listed too). */
    byte[] card(@Nullable A2aVersion v) throws JsonProcessingException {
        A2aVersion key = v == null ? A2aVersion.V0_3 : v;
        synchronized (cards) {
            byte[] c = cards.get(key);
            if (c == null) {
                c = A2aWire.JSON.writeValueAsBytes(AgentCard.forVersion(key, facts.get()));
                cards.put(key, c);
            }
            return c;
        }
    }

    /**
     * The card with HTTP caching (A2A 1.0 §8.6): {@code Cache-Control} with a {@code max-age}, an
     * {@code ETag} of its content and {@code Last-Modified}; a matching {@code If-None-Match} is
     * answered 304 without the body.
     */
    void serve(Request request, Response response, Callback callback, @Nullable A2aVersion v) throws JsonProcessingException {
        byte[] card = card(v);
        String etag = etag(card);
        response.getHeaders().put(HttpHeader.VARY, A2aServer.VERSION_HEADER);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "public, max-age=" + CARD_MAX_AGE.toSeconds());
        response.getHeaders().put(HttpHeader.ETAG, etag);
        response.getHeaders().put(HttpHeader.LAST_MODIFIED, cardModified);
        String ifNoneMatch = request.getHeaders().get(HttpHeader.IF_NONE_MATCH);
        if (ifNoneMatch != null && matches(ifNoneMatch, etag)) {
            response.setStatus(HttpStatus.NOT_MODIFIED_304);
            response.write(true, ByteBuffer.allocate(0), callback);
            return;
        }
        A2aResponses.json(response, callback, HttpStatus.OK_200, card);
    }

    /** A strong validator of the card's bytes (each version's card has its own). */
    static String etag(byte[] card) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(card);
            return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(hash).substring(0, 27) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** {@code If-None-Match}: {@code *}, or a list of tags compared weakly (RFC 9110 §13.1.2). */
    private static boolean matches(String ifNoneMatch, String etag) {
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.strip();
            if (t.equals("*") || (t.startsWith("W/") ? t.substring(2) : t).equals(etag)) {
                return true;
            }
        }
        return false;
    }
}
