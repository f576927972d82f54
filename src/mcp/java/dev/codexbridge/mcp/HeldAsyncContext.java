package dev.codexbridge.mcp;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

/**
 * The async context the SDK's transport gets for a POST's response stream. The SDK closes its
 * stream (failing the call's pending requests and dropping its later messages, the result too) on
 * any event of the container's async listeners, a client that went away included; its listeners
 * are therefore not registered: the stream ends when the SDK completes it, after the call's result,
 * and what it writes meanwhile is kept for the client's return ({@link ReplayableStream}).
 */
final class HeldAsyncContext implements AsyncContext {
    private final AsyncContext real;
    private final Runnable onComplete;

    HeldAsyncContext(AsyncContext real, Runnable onComplete) {
        this.real = real;
        this.onComplete = onComplete;
    }

    @Override
    public void complete() {
        onComplete.run();
        try {
            real.complete();
        } catch (IllegalStateException e) {
            // the container already ended the broken connection's request
        }
    }

    @Override
    public void addListener(AsyncListener listener) {
        // held back: see the class comment
    }

    @Override
    public void addListener(AsyncListener listener, ServletRequest request, ServletResponse response) {
        // held back: see the class comment
    }

    @Override
    public ServletRequest getRequest() {
        return real.getRequest();
    }

    @Override
    public ServletResponse getResponse() {
        return real.getResponse();
    }

    @Override
    public boolean hasOriginalRequestAndResponse() {
        return real.hasOriginalRequestAndResponse();
    }

    @Override
    public void dispatch() {
        real.dispatch();
    }

    @Override
    public void dispatch(String path) {
        real.dispatch(path);
    }

    @Override
    public void dispatch(ServletContext context, String path) {
        real.dispatch(context, path);
    }

    @Override
    public void start(Runnable run) {
        real.start(run);
    }

    @Override
    public <T extends AsyncListener> T createListener(Class<T> clazz) throws ServletException {
        return real.createListener(clazz);
    }

    @Override
    public void setTimeout(long timeout) {
        real.setTimeout(timeout);
    }

    @Override
    public long getTimeout() {
        return real.getTimeout();
    }
}
