package dev.codexbridge.mcp;

/** One event of an SSE stream as kept for replay: its number in the stream, its type and data. */
record SseEvent(long seq, String type, String data, int bytes) {
    SseEvent(long seq, String type, String data) {
        this(seq, type, data, data.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }

    /** The event as written on the wire, under {@code id}. */
    String frame(String id) {
        StringBuilder b = new StringBuilder(data.length() + 64).append("id: ").append(id).append('\n');
        if (!type.isEmpty()) {
            b.append("event: ").append(type).append('\n');
        }
        for (String line : data.split("\n", -1)) {
            b.append("data: ").append(line).append('\n');
        }
        return b.append('\n').toString();
    }
}
