package dev.codexbridge.client;

import dev.codexbridge.CodexException;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.process.CodexProcessException;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.process.CodexVersionProbe;
import dev.codexbridge.process.NewerCodex;
import dev.codexbridge.protocol.InitializeResponse;
import dev.codexbridge.rpc.RpcTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * What the handshake checks of the codex it reached: that it is not older than
 * {@link CodexVersion#MINIMUM_SUPPORTED} (read from {@code initialize}'s {@code userAgent}, the
 * one place a remote app-server says its version); that a codex newer than
 * {@link CodexVersion#PINNED} is named once in the log ({@link NewerCodex}), not refused; and, when
 * it never answers or exits before answering, a message that names what was started and suggests
 * it may not be codex's app-server.
 */
final class HandshakeChecks {
    /**
     * Set to {@code true} to connect to codex older than {@link CodexVersion#MINIMUM_SUPPORTED}
     * anyway, at the host's own risk (docs/compatibility.md).
     */
    static final String ALLOW_UNSUPPORTED = "codexbridge.allowUnsupportedCodex";
    private static final Logger LOG = SafeLogger.getLogger(HandshakeChecks.class);
    /** How long the silent binary's {@code --version} may take: it is only asked for the message. */
    private static final Duration VERSION_PROBE = Duration.ofSeconds(3);

    private HandshakeChecks() {
    }

    /**
     * The codex version in {@code userAgent} ({@code originator/0.169.0 (Linux ...) ...}): the
     * first {@code N.N.N} after the originator, which is the host's client name.
     */
    static Optional<CodexVersion> versionOf(String userAgent) {
        return CodexVersion.fromUserAgent(userAgent);
    }

    /**
     * Throws when {@code answer} says codex is older than the floor; a {@code userAgent} without
     * a version (a fake or a proxy) passes, and so does anything when {@value #ALLOW_UNSUPPORTED}
     * is set. A codex newer than the pinned one passes, logged once per binary and version.
     */
    static void requireSupported(InitializeResponse answer, String what) {
        Optional<CodexVersion> version = versionOf(answer == null ? null : answer.userAgent());
        if (version.isEmpty()) {
            LOG.debug("{} gave no version in its userAgent ({}); not checked against the floor", what,
                    answer == null ? null : answer.userAgent());
            return;
        }
        CodexVersion v = version.get();
        if (v.isAtLeast(CodexVersion.MINIMUM_SUPPORTED)) {
            NewerCodex.logOnce(what, v);
            return;
        }
        if (Boolean.getBoolean(ALLOW_UNSUPPORTED)) {
            LOG.warn("{} is codex {}, older than {}; connecting anyway as -D{}=true says", what, v, CodexVersion.MINIMUM_SUPPORTED,
                    ALLOW_UNSUPPORTED);
            return;
        }
        throw new CodexException(what + " is codex " + v + ", older than " + CodexVersion.MINIMUM_SUPPORTED
                + ", the oldest codex-bridge speaks to.\nFix it with one of:\n"
                + "  - install codex " + CodexVersion.PINNED + " (npm install -g @openai/codex@" + CodexVersion.PINNED
                + ", or codex-bridge install-codex --dir DIR)\n"
                + "  - at your own risk, -D" + ALLOW_UNSUPPORTED + "=true connects anyway\n"
                + "(docs/compatibility.md)");
    }

    /** What to throw when {@code what} never answered {@code initialize}: what it is, and what to check. */
    static CodexException silent(String what, Optional<Path> binary, RpcTimeoutException timedOut) {
        String waited = " did not answer initialize within " + timedOut.timeout().toMillis() + " ms. ";
        if (binary.isEmpty()) {
            return new CodexException(what + waited + "Check that it is codex app-server " + CodexVersion.MINIMUM_SUPPORTED
                    + " or newer, listening for this client; a program that is not codex's app-server often waits like this.", timedOut);
        }
        Reported reported = Reported.of(binary.get());
        return new CodexException(what + reported.text() + "," + waited + reported.check()
                + "; a program that is not codex's app-server often waits like this.", timedOut);
    }

    /**
     * What to throw when the process ended before answering {@code initialize}: the exit first,
     * then the binary with what its {@code --version} says, then codex's stderr as {@code exited}
     * showed it. A program that is not codex (a script printing a version) ends this way, and the
     * exit alone names neither it nor the version floor, so unless it reports a supported codex
     * the message says what to check.
     */
    static CodexProcessException exitedEarly(Path binary, CodexProcessException exited) {
        // the message is the exit, then the stderr digest the constructor adds again from the tail
        String message = exited.getMessage();
        int firstLineEnd = message.indexOf('\n');
        String first = firstLineEnd < 0 ? message : message.substring(0, firstLineEnd);
        Reported reported = Reported.of(binary);
        String explained = first + ".\n" + binary + reported.text() + ", ended without answering."
                + (reported.supported() ? "" : " " + reported.check() + " without exiting.");
        return new CodexProcessException(explained, exited.exitCode().isPresent() ? exited.exitCode().getAsInt() : null,
                exited.stderrTail(), exited);
    }

    /** What {@code binary --version} said, whether that is a supported codex, and the check to suggest. */
    private record Reported(String text, boolean supported, String check) {
        static Reported of(Path binary) {
            String name = binary.getFileName().toString();
            Optional<CodexVersion> version = Optional.empty();
            String text;
            try {
                version = Optional.of(CodexVersionProbe.probe(binary, VERSION_PROBE));
                text = ", which reports codex " + version.get();
            } catch (RuntimeException e) {
                text = " (" + name + " --version: " + UntrustedText.of(firstLine(e.getMessage())) + ")";
            }
            boolean supported = version.map(v -> v.isAtLeast(CodexVersion.MINIMUM_SUPPORTED)).orElse(false);
            boolean old = version.isPresent() && !supported;
            return new Reported(text, supported, "Check that it is codex's app-server: `" + name + " --version` should say codex-cli "
                    + CodexVersion.MINIMUM_SUPPORTED + " or newer" + (old ? " (this one is older)" : "") + ", and `" + name
                    + " app-server` should answer JSON-RPC on stdin/stdout");
        }
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }
}
