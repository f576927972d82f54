package dev.codexbridge.mcp;

import dev.codexbridge.internal.SafeLogger;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * Streamable HTTP's resumption (MCP 2025-06-18, "Resumability and Redelivery") around the SDK's
 * transport, which accepts {@code Last-Event-ID} and replays nothing (SDK 2.1). Each POST whose
 * answer is an SSE stream gets a {@link ReplayableStream}: the SDK writes into an {@link SseTee},
 * the events get this server's ids and are kept, and a client that went away does not end the
 * call. A GET with {@code Last-Event-ID} naming one of these ids, from the principal and MCP
 * session that opened the stream, gets the events after it and then the stream's next ones until
 * its end (the call's result); any other such GET is refused with 400, the same answer for an
 * unknown, expired or someone else's id. A {@code Last-Event-ID} of the SDK's own ids (its GET
 * stream) goes to the SDK as before. Elicitations leaving on a stream pass by
 * {@link PendingElicitations}, which can add a cancellation to the same stream.
 */
final class StreamResumption extends HttpFilter {
    private static final Logger LOG = SafeLogger.getLogger(StreamResumption.class);
    static final String SESSION_HEADER = "Mcp-Session-Id";

    private final ReplayableStreams streams;
    private final PendingElicitations elicitations;

    StreamResumption(ReplayableStreams streams, PendingElicitations elicitations) {
        this.streams = streams;
        this.elicitations = elicitations;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String principal = (String) request.getAttribute(CodexMcpServer.PRINCIPAL);
        String session = request.getHeader(SESSION_HEADER);
        String last = request.getHeader("Last-Event-ID");
        if (principal == null || session == null) {
            // initialize, or a request the SDK refuses itself
            chain.doFilter(request, response);
        } else if ("GET".equals(request.getMethod()) && last != null && ReplayableStreams.isOurs(last)) {
            resume(request, response, streams.find(last, principal, session), last);
        } else if ("POST".equals(request.getMethod())) {
            TeeingResponse teeing = new TeeingResponse(response, principal, session);
            chain.doFilter(new HeldAsyncRequest(request, teeing), teeing);
        } else {
            chain.doFilter(request, response);
            if ("DELETE".equals(request.getMethod()) && response.getStatus() == HttpServletResponse.SC_OK) {
                streams.forget(principal, session);
            }
        }
    }

    private void resume(HttpServletRequest request, HttpServletResponse response, Optional<ReplayableStreams.Position> at, String last)
            throws IOException {
        if (at.isEmpty() || !at.get().stream().covers(at.get().seq())) {
            String why = at.isEmpty() ? "it is unknown, expired or not yours" : "the events after it are no longer kept";
            refuse(response, "no stream to resume from Last-Event-ID " + last + ": " + why
                    + "; a call's outcome can still be read with codex-transcript");
            return;
        }
        response.setContentType("text/event-stream");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        PrintWriter out = response.getWriter();
        response.flushBuffer();
        if (!at.get().stream().resume(at.get().seq(), new ResponseSink(out, async))) {
            // dropped between the check and now: end the stream empty, the client asks again and is told
            complete(async);
        }
    }

    private static void refuse(HttpServletResponse response, String message) throws IOException {
        JsonErrors.write(response, HttpServletResponse.SC_BAD_REQUEST, message);
    }

    static void complete(AsyncContext async) {
        try {
            async.complete();
        } catch (IllegalStateException e) {
            // already completed, or the connection's request ended
        }
    }

    /** A connection's writer as a stream's sink; a resumed GET's async context is completed when the stream ends. */
    private record ResponseSink(PrintWriter out, @Nullable AsyncContext async) implements ReplayableStream.Sink {
        @Override
        public boolean write(String frame) {
            out.write(frame);
            out.flush();
            if (out.checkError()) {
                LOG.debug("a client went away from its stream; its events are kept for its return");
                return false;
            }
            return true;
        }

        @Override
        public void end() {
            if (async != null) {
                complete(async);
            }
        }
    }

    /** The POST's response, its SSE writer teed into a replayable stream (a JSON answer passes as it is). */
    private final class TeeingResponse extends HttpServletResponseWrapper {
        private final String principal;
        private final String session;
        private @Nullable ReplayableStream stream;
        private @Nullable PrintWriter writer;

        TeeingResponse(HttpServletResponse response, String principal, String session) {
            super(response);
            this.principal = principal;
            this.session = session;
        }

        @Override
        public synchronized PrintWriter getWriter() throws IOException {
            String type = getContentType();
            if (type == null || !type.startsWith("text/event-stream")) {
                return super.getWriter();
            }
            if (writer == null) {
                ReplayableStream s = streams.open(principal, session);
                // the original connection: its end belongs to the SDK
                s.attach(new ResponseSink(super.getWriter(), null));
                PendingElicitations.Outlet outlet = message -> s.append("message", message);
                writer = new PrintWriter(new SseTee((event, data) -> s.append(event, elicitations.onOutgoing(data, outlet))));
                stream = s;
                super.flushBuffer();
            }
            return writer;
        }

        synchronized void ended() {
            if (stream != null) {
                if (writer != null) {
                    writer.flush();
                }
                streams.end(stream);
                LOG.debug("stream {} ended", stream.key);
            }
        }
    }

    /** The POST's request, its async context held ({@link HeldAsyncContext}) and ending the stream on completion. */
    private static final class HeldAsyncRequest extends HttpServletRequestWrapper {
        private final TeeingResponse response;

        HeldAsyncRequest(HttpServletRequest request, TeeingResponse response) {
            super(request);
            this.response = response;
        }

        @Override
        public AsyncContext startAsync() {
            return new HeldAsyncContext(super.startAsync(this, response), response::ended);
        }
    }
}
