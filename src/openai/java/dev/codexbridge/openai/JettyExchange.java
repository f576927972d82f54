package dev.codexbridge.openai;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.jspecify.annotations.Nullable;

/** A request to the door's own Jetty listener ({@link OpenAiServer}), and the Jetty handler that hands each to the routes. */
final class JettyExchange implements HttpExchange {
    private final Request request;
    private final Response response;
    private final Callback callback;

    private JettyExchange(Request request, Response response, Callback callback) {
        this.request = request;
        this.response = response;
        this.callback = callback;
    }

    /** Jetty's handler for {@code routes}: every request, on the thread Jetty calls it on. */
    static Handler handler(OpenAiHandler routes) {
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                routes.serve(new JettyExchange(request, response, callback));
                return true;
            }
        };
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public String path() {
        return Request.getPathInContext(request);
    }

    @Override
    public @Nullable String header(String name) {
        return request.getHeaders().get(name);
    }

    @Override
    public Map<String, String> query() {
        Map<String, String> q = new HashMap<>();
        for (Fields.Field f : Request.extractQueryParameters(request)) {
            q.put(f.getName(), f.getValue());
        }
        return q;
    }

    @Override
    public InputStream body() {
        return Content.Source.asInputStream(request);
    }

    @Override
    public void status(int status) {
        response.setStatus(status);
    }

    @Override
    public void header(String name, String value) {
        response.getHeaders().put(name, value);
    }

    @Override
    public void write(byte[] body) {
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    @Override
    public OutputStream stream() throws IOException {
        return Content.Sink.asOutputStream(response);
    }

    @Override
    public void end() {
        callback.succeeded();
    }

    @Override
    public void fail(Throwable why) {
        callback.failed(why);
    }
}
