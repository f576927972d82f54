package dev.codexbridge.openai;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.reactive.function.BodyInserter;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The OpenAI door in a reactive Spring WebFlux application (decision 0128), made by
 * {@link OpenAiServer.Builder#webFlux(String)}: a {@link HandlerFunction} the application routes
 * {@code PREFIX/**} to ({@code RouterFunctions.route(RequestPredicates.path(PREFIX + "/**"), handler)};
 * the Spring Boot starters do), so an SDK's base URL is {@code http://HOST:PORT/PREFIX}. The body is
 * read without blocking, up to the door's request bound; the routes then run on a thread of the
 * door's own (at most {@link OpenAiServer.Builder#threads}; beyond them 503, send again), never on the
 * server's event loop, and a stream's events go out one flushed buffer each. {@link #close} stops the
 * door as {@link OpenAiServer#close} does, less the listener: call it before the server stops.
 */
public final class OpenAiWebFluxHandler implements HandlerFunction<ServerResponse>, AutoCloseable {
    private final OpenAiDoor door;
    private final OpenAiServer.Builder settings;
    private final String prefix;
    private final ExecutorService threads;
    private volatile int checkedPort = -1;
    private volatile boolean closed;

    OpenAiWebFluxHandler(OpenAiServer.Builder settings, String prefix) {
        if (!prefix.startsWith("/") || prefix.endsWith("/") || prefix.contains("*")) {
            throw new IllegalArgumentException("the door's path must start with / and end without one, without *: " + prefix);
        }
        this.settings = settings;
        this.prefix = prefix;
        this.door = new OpenAiDoor(settings);
        AtomicInteger n = new AtomicInteger();
        this.threads = new ThreadPoolExecutor(0, settings.threads, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "codex-bridge-openai-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public Mono<ServerResponse> handle(ServerRequest request) {
        int port = request.exchange().getRequest().getLocalAddress() == null ? 0
                : request.exchange().getRequest().getLocalAddress().getPort();
        if (port != checkedPort) {
            door.routes.origins(dev.codexbridge.callers.OriginCheck.forListener("0.0.0.0", port, settings.allowedOrigins,
                    settings.allowedHosts));
            checkedPort = port;
        }
        return DataBufferUtils.join(request.exchange().getRequest().getBody(), settings.maxRequestBytes)
                .map(buffer -> {
                    byte[] bytes = new byte[buffer.readableByteCount()];
                    buffer.read(bytes);
                    DataBufferUtils.release(buffer);
                    return bytes;
                })
                .defaultIfEmpty(new byte[0])
                .flatMap(body -> answer(request, body))
                .onErrorResume(DataBufferLimitException.class, tooLarge -> {
                    // as the routes answer a body past the bound they read themselves
                    Exchange refused = new Exchange(request, new byte[0]);
                    Replies.error(refused, new OpenAiError(413, "invalid_request_error", null, "request_too_large", "the request is larger "
                            + "than " + settings.maxRequestBytes + " bytes; nothing was run", null, false));
                    return Mono.fromFuture(refused.answer).flatMap(m -> m);
                });
    }

    private Mono<ServerResponse> answer(ServerRequest request, byte[] body) {
        Exchange exchange = new Exchange(request, body);
        try {
            threads.execute(() -> {
                try {
                    door.routes.serve(exchange);
                } finally {
                    exchange.served();
                }
            });
        } catch (RejectedExecutionException full) {
            // closed: what still comes until the server stops routing here is told to go elsewhere, as a stopping door's turns are
            Replies.error(exchange, closed ? Turns.stopping()
                    : OpenAiError.busy("server_busy", "every thread of this door is answering a request; nothing was run: send this again", 1));
        }
        return Mono.fromFuture(exchange.answer).flatMap(m -> m);
    }

    /** Conversations held open, of every principal (for tests and metrics). */
    int conversationsHeld() {
        return door.conversationsHeld();
    }

    /** Drains the turns in flight (new ones are refused 503, send again), then closes every conversation. */
    @Override
    public void close() {
        door.drain();
        door.release();
        closed = true;
        threads.shutdown();
    }

    /** A WebFlux request as the door's routes read it; the path is {@code /v1} and what follows the prefix. */
    private final class Exchange implements HttpExchange {
        private final ServerRequest request;
        private final byte[] body;
        private final CompletableFuture<Mono<ServerResponse>> answer = new CompletableFuture<>();
        private final Map<String, String> headers = new java.util.LinkedHashMap<>();
        private int status = 200;
        private Sinks.@Nullable Many<DataBuffer> events;
        private volatile boolean gone;

        Exchange(ServerRequest request, byte[] body) {
            this.request = request;
            this.body = body;
        }

        @Override
        public String method() {
            return request.method().name();
        }

        @Override
        public String path() {
            String path = request.path();
            return "/v1" + (path.length() > prefix.length() ? path.substring(prefix.length()) : "");
        }

        @Override
        public @Nullable String header(String name) {
            return request.headers().firstHeader(name);
        }

        @Override
        public Map<String, String> query() {
            return request.queryParams().toSingleValueMap();
        }

        @Override
        public InputStream body() {
            return new ByteArrayInputStream(body);
        }

        @Override
        public void status(int status) {
            this.status = status;
        }

        @Override
        public void header(String name, String value) {
            headers.put(name, value);
        }

        @Override
        public void write(byte[] bytes) {
            answer.complete(ServerResponse.status(status).headers(h -> headers.forEach(h::set)).bodyValue(bytes));
        }

        @Override
        public OutputStream stream() {
            Sinks.Many<DataBuffer> sink = Sinks.many().unicast().onBackpressureBuffer();
            events = sink;
            Flux<DataBuffer> flux = sink.asFlux().doOnCancel(() -> gone = true);
            // each event its own flushed write: a client reads it as it comes
            BodyInserter<Flux<DataBuffer>, ServerHttpResponse> inserter = (out, context) -> out.writeAndFlushWith(flux.map(Mono::just));
            answer.complete(ServerResponse.status(status).headers(h -> headers.forEach(h::set)).body(inserter));
            return new OutputStream() {
                private byte[] pending = new byte[0];

                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (gone) {
                        throw new IOException("the caller went away");
                    }
                    byte[] more = Arrays.copyOf(pending, pending.length + len);
                    System.arraycopy(b, off, more, pending.length, len);
                    pending = more;
                }

                @Override
                public void flush() throws IOException {
                    if (gone) {
                        throw new IOException("the caller went away");
                    }
                    if (pending.length > 0) {
                        sink.tryEmitNext(DefaultDataBufferFactory.sharedInstance.wrap(pending));
                        pending = new byte[0];
                    }
                }

                @Override
                public void close() throws IOException {
                    flush();
                }
            };
        }

        @Override
        public void end() {
            Sinks.Many<DataBuffer> sink = events;
            if (sink != null) {
                sink.tryEmitComplete();
            }
        }

        @Override
        public void fail(Throwable why) {
            Sinks.Many<DataBuffer> sink = events;
            if (sink != null) {
                sink.tryEmitError(why);
            }
            answer.completeExceptionally(why);
        }

        /** The routes returned: a stream still open ends, and a request they left unanswered is an error (never a hang). */
        void served() {
            end();
            if (!answer.isDone()) {
                answer.completeExceptionally(new IllegalStateException("the door's routes left " + method() + " " + path() + " unanswered"));
            }
        }
    }
}
