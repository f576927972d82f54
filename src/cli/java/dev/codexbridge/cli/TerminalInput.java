package dev.codexbridge.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The one reader of standard input. Conversation prompts and approval prompts both take lines
 * from it, so neither can swallow input meant for the other (two readers on one terminal each
 * buffer ahead), and an approval prompt can give up when its turn ends.
 *
 * <p>Its thread blocks on {@code System.in} for the rest of the JVM's life (a blocked read cannot be
 * interrupted), so it is created only by a command that does read input.
 */
final class TerminalInput {
    private final LinkedBlockingQueue<Optional<String>> lines = new LinkedBlockingQueue<>();
    private volatile boolean ended;

    TerminalInput() {
        Thread t = new Thread(this::read, "codex-bridge-stdin");
        t.setDaemon(true);
        t.start();
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(Optional.of(line));
            }
        } catch (IOException e) {
            // input closed
        }
        lines.add(Optional.empty());
    }

    /** The next line, or null at the end of input. */
    String nextLine() {
        return nextLine(() -> false);
    }

    /** The next line, or null at the end of input or once {@code cancelled} says so. */
    String nextLine(BooleanSupplier cancelled) {
        if (ended) {
            return null;
        }
        while (!cancelled.getAsBoolean()) {
            try {
                Optional<String> l = lines.poll(100, TimeUnit.MILLISECONDS);
                if (l != null) {
                    if (l.isEmpty()) {
                        ended = true;
                        return null;
                    }
                    return l.get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }
}
