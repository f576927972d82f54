package dev.codexbridge.mcp;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A request on an MCP session, in flight until its dispatch has returned ({@link #dispatched}) and,
 * when it went async (a GET stream, a resumed stream, a call's SSE answer), its async context has
 * ended; then {@code onEnd} runs, once. A call's POST may lose its client and go on: it stays in
 * flight until the SDK returns from it.
 */
final class InFlightRequest extends HttpServletRequestWrapper {
    private final AtomicInteger open = new AtomicInteger(1);
    private final AtomicBoolean watched = new AtomicBoolean();
    private final Runnable onEnd;

    InFlightRequest(HttpServletRequest request, Runnable onEnd) {
        super(request);
        this.onEnd = onEnd;
    }

    @Override
    public AsyncContext startAsync() {
        return watch(super.startAsync());
    }

    @Override
    public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
        return watch(super.startAsync(request, response));
    }

    /** The container's dispatch of this request has returned. */
    void dispatched() {
        end();
    }

    private AsyncContext watch(AsyncContext async) {
        if (watched.compareAndSet(false, true)) {
            open.incrementAndGet();
            AtomicBoolean over = new AtomicBoolean();
            Runnable ended = () -> {
                if (over.compareAndSet(false, true)) {
                    end();
                }
            };
            async.addListener(new AsyncListener() {
                @Override
                public void onComplete(AsyncEvent event) {
                    ended.run();
                }

                @Override
                public void onTimeout(AsyncEvent event) {
                    ended.run();
                }

                @Override
                public void onError(AsyncEvent event) {
                    ended.run();
                }

                @Override
                public void onStartAsync(AsyncEvent event) {
                    // started again on the same request: it stays in flight, counted once
                }
            });
        }
        return async;
    }

    private void end() {
        if (open.decrementAndGet() == 0) {
            onEnd.run();
        }
    }
}
