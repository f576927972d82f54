package dev.codexbridge.mcp;

import dev.codexbridge.internal.SafeLogger;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.slf4j.Logger;

/**
 * Ends the MCP sessions idle for their lifetime ({@link SessionOwners}) as the client's
 * {@code DELETE} would: handed to the SDK's servlet, so the SDK forgets the session and closes what
 * it holds, and the session's kept streams are dropped. Checks every {@code every}. The SDK's own
 * sweep is off: it ends a session without an open stream after one or two of its intervals of
 * quiet (SDK 2.1), whatever lifetime the server documents, and can end one just after a call longer
 * than its interval (decision 0065).
 */
final class SessionLifetime implements AutoCloseable {
    private static final Logger LOG = SafeLogger.getLogger(SessionLifetime.class);

    private final SessionOwners owners;
    private final HttpServlet sdk;
    private final ReplayableStreams streams;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "codex-bridge-mcp-session-lifetime");
        t.setDaemon(true);
        return t;
    });

    SessionLifetime(SessionOwners owners, HttpServlet sdk, ReplayableStreams streams, Duration every) {
        this.owners = owners;
        this.sdk = sdk;
        this.streams = streams;
        timer.scheduleWithFixedDelay(this::endIdle, every.toNanos(), every.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Ends every session idle for its lifetime; one the SDK fails to end stays refused and is tried again at the next look. */
    void endIdle() {
        owners.expired().forEach((session, principal) -> {
            int status;
            try {
                status = delete(session, principal);
            } catch (IOException | ServletException | RuntimeException e) {
                LOG.warn("ending the idle MCP session {}: {}", session, e.toString());
                status = HttpServletResponse.SC_INTERNAL_SERVER_ERROR;
            }
            // 404: the SDK no longer knew it
            if (status == HttpServletResponse.SC_OK || status == HttpServletResponse.SC_NOT_FOUND) {
                LOG.debug("MCP session {} of {} ended: idle for its lifetime", session, principal);
                streams.forget(principal, session);
                owners.ended(session);
            } else {
                LOG.warn("the SDK did not end the idle MCP session {} (status {}); trying again later", session, status);
                owners.stillOpen(session);
            }
        });
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** A {@code DELETE} of {@code session} by {@code principal}, as the gate hands a client's to the SDK: the status it answered. */
    private int delete(String session, String principal) throws ServletException, IOException {
        HttpServletRequest request = fake(HttpServletRequest.class, (name, args) -> switch (name) {
            case "getMethod" -> "DELETE";
            case "getRequestURI" -> McpHttpServer.PATH;
            case "getHeader" -> StreamResumption.SESSION_HEADER.equalsIgnoreCase((String) args[0]) ? session : null;
            case "getHeaders" -> Collections.enumeration(StreamResumption.SESSION_HEADER.equalsIgnoreCase((String) args[0])
                    ? List.of(session) : List.of());
            case "getHeaderNames" -> Collections.enumeration(List.of(StreamResumption.SESSION_HEADER));
            case "getAttribute" -> CodexMcpServer.PRINCIPAL.equals(args[0]) ? principal : null;
            default -> null;
        });
        AtomicInteger status = new AtomicInteger(HttpServletResponse.SC_OK);
        HttpServletResponse response = fake(HttpServletResponse.class, (name, args) -> switch (name) {
            case "setStatus", "sendError" -> {
                status.set((Integer) args[0]);
                yield null;
            }
            // an error's text, if the SDK writes one, goes nowhere: there is no client to read it
            case "getWriter" -> new PrintWriter(Writer.nullWriter());
            default -> null;
        });
        sdk.service(request, response);
        return status.get();
    }

    /** An interface answered by {@code answers} (by method name), else with null, false or 0. */
    private static <T> T fake(Class<T> type, BiFunction<String, Object[], Object> answers) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            Object answer = answers.apply(method.getName(), args == null ? new Object[0] : args);
            return answer != null ? answer : zero(method);
        }));
    }

    private static Object zero(Method method) {
        Class<?> r = method.getReturnType();
        if (!r.isPrimitive() || r == void.class) {
            return null;
        }
        return r == boolean.class ? Boolean.FALSE : r == char.class ? Character.valueOf('\0') : r == long.class ? Long.valueOf(0)
                : r == float.class ? Float.valueOf(0) : r == double.class ? Double.valueOf(0) : r == byte.class ? Byte.valueOf((byte) 0)
                : r == short.class ? Short.valueOf((short) 0) : (Object) Integer.valueOf(0);
    }
}
