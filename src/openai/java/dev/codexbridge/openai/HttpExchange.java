package dev.codexbridge.openai;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP request and its answer, as the door's routes need them from whichever server carries
 * them: the door's own Jetty listener ({@link JettyExchange}), or the application's servlet
 * container ({@link OpenAiServlet}). Blocking: the routes run on the request's thread, which a
 * stream keeps until its end.
 */
interface HttpExchange {
    String method();

    /** The path as the routes read it: {@code /v1/responses}, {@code /readyz}. */
    String path();

    @Nullable String header(String name);

    /** The query's parameters, the first value of each. */
    Map<String, String> query();

    InputStream body() throws IOException;

    void status(int status);

    void header(String name, String value);

    /** Writes the whole answer's body and ends it. */
    void write(byte[] body) throws IOException;

    /** The answer's body to write bit by bit (server-sent events); {@link #end} once it is closed. */
    OutputStream stream() throws IOException;

    /** The answer written by {@link #stream} is complete. */
    void end();

    /** The answer could not be written ({@code why}): the caller went away, or the thread was interrupted. */
    void fail(Throwable why);
}
