package dev.codexbridge.cli;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.protocol.FileChanges;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.session.RateLimitWait;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.transcript.TranscriptMessage;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A turn's live progress on stderr for {@code run}: the answer as it streams, the commands, tool
 * calls, file changes, approvals, retries and rate-limit waits, and an elapsed-time line while codex
 * is quiet on a terminal. With {@code --json} the transcript goes on to the {@link StreamedResult}.
 */
final class ProgressRenderer implements TurnListener {
    private final PrintStream err;
    private final boolean tty;
    private final AtomicLong lastOutput = new AtomicLong(System.nanoTime());
    private final long start = System.nanoTime();
    private final Thread ticker;
    private volatile boolean streaming;
    private volatile boolean running = true;
    /**
     * Progress for a pipe or file, written every 100 ms and at the end: one write per streamed
     * delta (a few bytes each, hundreds of thousands a turn) would cost a system call apiece.
     * On a terminal everything is written as it comes. Guarded by {@code err}.
     */
    private final StringBuilder pending = new StringBuilder();
    private final CommandClock clock = new CommandClock();
    /** Where the transcript goes as it grows, with --json; else null. */
    private final StreamedResult transcript;
    /** Columns the "working" line takes; overwritten with spaces rather than an erase sequence. */
    private int tickerWidth;

    ProgressRenderer(PrintStream err, boolean tty, StreamedResult transcript) {
        this.err = err;
        this.tty = tty;
        this.transcript = transcript;
        this.ticker = new Thread(tty ? this::tick : this::flushEvery100Ms, "codex-bridge-progress");
        ticker.setDaemon(true);
        ticker.start();
    }

    private void flushEvery100Ms() {
        while (running) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (err) {
                drain();
            }
        }
    }

    /** Writes {@code s} now on a terminal, else into {@link #pending}; caller holds {@code err}. */
    private void print(String s) {
        if (tty) {
            err.print(s);
            return;
        }
        pending.append(s);
        if (pending.length() >= 1 << 16) {
            drain();
        }
    }

    private void println(String s) {
        print(s);
        print(System.lineSeparator());
    }

    /** A line from outside the turn's events (an automatic approval), in order with the rest. */
    void printLine(String s) {
        synchronized (err) {
            println(s);
            flushLive();
        }
    }

    /** Shows what was printed: on a terminal at once; into a pipe or file, the next drain does. */
    private void flushLive() {
        if (tty) {
            err.flush();
        }
    }

    /** Writes what is pending; caller holds {@code err}. */
    private void drain() {
        if (pending.length() > 0) {
            err.append(pending);
            pending.setLength(0);
            err.flush();
        }
    }

    private void tick() {
        while (running) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            if (running && !streaming && System.nanoTime() - lastOutput.get() > 1_000_000_000L) {
                synchronized (err) {
                    String ticker = "\r  … working " + (System.nanoTime() - start) / 1_000_000_000L + " s ";
                    print(ticker);
                    flushLive();
                    tickerWidth = ticker.length();
                }
            }
        }
    }

    void stop() {
        running = false;
        ticker.interrupt();
        synchronized (err) {
            clearTicker();
            if (streaming) {
                println("");
                streaming = false;
            }
            drain();
        }
    }

    /** Blanks the "working" line, if one is shown; caller holds {@code err}. */
    private void clearTicker() {
        if (tty && tickerWidth > 0) {
            print("\r" + " ".repeat(tickerWidth) + "\r");
            tickerWidth = 0;
        }
    }

    private void line(String s) {
        synchronized (err) {
            if (streaming) {
                println("");
                streaming = false;
            }
            clearTicker();
            println(s);
        }
        lastOutput.set(System.nanoTime());
    }

    @Override
    public void onAgentMessageDelta(String itemId, String delta) {
        synchronized (err) {
            if (!streaming) {
                clearTicker();
                print("codex> ");
                streaming = true;
            }
            print(ApiText.escapeLines(delta));
            flushLive();
        }
        if (tty) {
            lastOutput.set(System.nanoTime()); // only the terminal's "working" line reads it
        }
    }

    @Override
    public void onItemStarted(ThreadItem item) {
        clock.started(item);
        if (item instanceof ThreadItem.CommandExecution c) {
            line("  $ " + ApiText.escape(c.command()));
        } else if (item instanceof ThreadItem.McpToolCall m) {
            line("  mcp " + ApiText.escape(m.server()) + "." + ApiText.escape(m.tool()) + " …");
        } else if (item instanceof ThreadItem.DynamicToolCall d) {
            line("  tool " + ApiText.escape(d.tool()) + " …");
        }
    }

    @Override
    public void onTranscript(List<TranscriptMessage> messages) {
        if (transcript != null) {
            transcript.messages(messages);
        }
    }

    @Override
    public void onItemCompleted(ThreadItem item, List<TranscriptMessage> messages) {
        if (item instanceof ThreadItem.CommandExecution c) {
            line("    " + orUnknown(c.status() == null ? null : c.status().wire()) + ", exit " + orUnknown(c.exitCode())
                    + ", " + orUnknown(clock.elapsedMillis(c)) + " ms");
        } else if (item instanceof ThreadItem.FileChange f && f.changes() != null) {
            String status = orUnknown(f.status() == null ? null : f.status().wire());
            f.changes().forEach(ch -> line("  ~ " + FileChanges.kind(ch.kind()) + " " + ApiText.escape(ch.path()) + " (" + status + ")"));
        } else if (item instanceof ThreadItem.McpToolCall m) {
            line("    " + orUnknown(m.status() == null ? null : m.status().wire()));
        } else if (item instanceof ThreadItem.DynamicToolCall d) {
            line("    " + orUnknown(d.status() == null ? null : d.status().wire()));
        } else if (item instanceof ThreadItem.AgentMessage) {
            synchronized (err) {
                if (streaming) {
                    println("");
                    streaming = false;
                }
            }
        }
    }

    private static String orUnknown(Object value) {
        return value == null ? "?" : ApiText.escape(value.toString());
    }

    @Override
    public void onRetry(TurnFailure error) {
        line("  (codex retries: " + ApiText.escape(error.message()) + ")");
    }

    @Override
    public void onRateLimitWait(RateLimitWait wait) {
        long left = (wait.remaining().toMillis() + 999) / 1000;
        // the start of the wait, then a countdown line every 10 s (one a second would flood a log)
        if (wait.remaining().equals(wait.total()) || left > 0 && left % 10 == 0) {
            line("  (rate limited, " + wait.reason().type() + ": attempt " + wait.attempt() + " of " + wait.maxAttempts()
                    + " in " + left + " s)");
        }
    }

    @Override
    public void onWarning(String message) {
        line("  warning: " + ApiText.escape(message));
    }

    @Override
    public void onApprovalAnswered(ApprovalRequest request, ApprovalDecision decision) {
        clock.approved(request.itemId());
        line("  " + request.kind().name().toLowerCase(Locale.ROOT).replace('_', ' ') + " " + decision.choice().name().toLowerCase(Locale.ROOT));
    }
}
