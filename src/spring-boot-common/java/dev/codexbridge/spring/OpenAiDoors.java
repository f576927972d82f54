package dev.codexbridge.spring;

import dev.codexbridge.callers.Authenticator;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.openai.OpenAiModels;
import dev.codexbridge.openai.OpenAiServer;
import org.springframework.beans.factory.ObjectProvider;

/**
 * What the OpenAI door's two carriers in the starters share — the servlet ({@link OpenAiConfiguration})
 * and the WebFlux handler ({@link OpenAiReactiveConfiguration}) — apart from either's web stack, so
 * that each loads without the other's classes.
 */
final class OpenAiDoors {
    private OpenAiDoors() {
    }

    /** The door's settings from the properties, for either carrier. */
    static OpenAiServer.Builder door(CodexSessions sessions, OpenAiProperties p, ObjectProvider<CodexGateway> gateway,
                                     ObjectProvider<Authenticator> authenticator) {
        Authenticator callers = CallerAuthenticators.required(p, authenticator);
        p.requireCallersApart(sessions, gateway.getIfUnique() != null);
        try {
            return OpenAiServer.builder().gateway(gateway.getIfUnique(sessions::gateway)).authenticator(callers).anonymous(p.getAnonymous())
                    .models(sessions.client() != null ? OpenAiModels.of(sessions.client()) : OpenAiModels.none())
                    .conversations(p.getConversations(), p.getConversationsPerPrincipal()).callerWait(p.getCallerWait())
                    .maxRequestBytes(p.getMaxRequestBytes()).responsesKept(p.getResponsesKept()).drainTimeout(p.getDrainTimeout())
                    .allowedOrigins(p.getAllowedOrigins()).allowedHosts(p.getAllowedHosts());
        } catch (IllegalArgumentException e) {
            throw new CodexPropertiesException("codex-bridge.openai: " + e.getMessage());
        }
    }

    /** {@code codex-bridge.openai.path}, checked: it must be a mapping. */
    static String path(OpenAiProperties p) {
        String path = p.getPath();
        if (!path.startsWith("/") || path.endsWith("/") || path.contains("*")) {
            throw new CodexPropertiesException("codex-bridge.openai.path must start with / and end without one, without *: " + path);
        }
        return path;
    }
}
