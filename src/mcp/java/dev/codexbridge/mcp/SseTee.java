package dev.codexbridge.mcp;

import java.io.Writer;
import java.util.StringJoiner;
import java.util.function.BiConsumer;

/**
 * Where the SDK's transport writes a stream's SSE text: each complete event (up to its blank
 * line) is parsed and handed on as type and data; the SDK's own {@code id:} lines are dropped,
 * the stream numbers its events itself. Never fails: a client that went away does not make the
 * SDK's writes fail, so the call goes on and its events are kept for the client's return.
 */
final class SseTee extends Writer {
    private final StringBuilder pending = new StringBuilder();
    private final BiConsumer<String, String> onEvent;

    SseTee(BiConsumer<String, String> onEvent) {
        this.onEvent = onEvent;
    }

    @Override
    public synchronized void write(char[] cbuf, int off, int len) {
        pending.append(cbuf, off, len);
    }

    @Override
    public synchronized void write(String str, int off, int len) {
        pending.append(str, off, off + len);
    }

    @Override
    public synchronized void flush() {
        int end;
        while ((end = pending.indexOf("\n\n")) >= 0) {
            String block = pending.substring(0, end);
            pending.delete(0, end + 2);
            event(block);
        }
    }

    private void event(String block) {
        String type = "";
        StringJoiner data = null;
        for (String line : block.split("\n")) {
            if (line.startsWith("data:")) {
                if (data == null) {
                    data = new StringJoiner("\n");
                }
                data.add(value(line, 5));
            } else if (line.startsWith("event:")) {
                type = value(line, 6);
            }
        }
        if (data != null) {
            onEvent.accept(type, data.toString());
        }
    }

    private static String value(String line, int from) {
        return line.startsWith(" ", from) ? line.substring(from + 1) : line.substring(from);
    }

    @Override
    public void close() {
        flush();
    }
}
