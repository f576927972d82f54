package dev.codexbridge.rpc;

import dev.codexbridge.session.CodexSession;

/**
 * A wrong arrow on purpose: the RPC layer reaching up to the session. Only
 * {@code ArchitectureTest.aWrongArrowBreaksTheRules} imports it, to show the import rules catch it.
 */
public final class WrongArrowFixture {
    private WrongArrowFixture() {
    }

    static String sessionTypeName() {
        return CodexSession.class.getName();
    }
}
