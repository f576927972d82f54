package dev.codexbridge.cli;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.Compressor;
import io.opentelemetry.sdk.common.export.HttpResponse;
import io.opentelemetry.sdk.common.export.HttpSender;
import io.opentelemetry.sdk.common.export.HttpSenderConfig;
import io.opentelemetry.sdk.common.export.MessageWriter;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;

/**
 * The command line's OTLP/HTTP transport: one POST per export on {@link HttpURLConnection}, on the
 * exporting thread, with the SDK's retry policy. Why not the SDK's JDK sender (decision 0025): its
 * {@code java.net.http.HttpClient} builds the default TLS context even for {@code http://} and
 * starts a selector thread that sits in native code until the JVM exits, and HotSpot waits about
 * 0.3 s at exit for such a thread; a command that runs one turn paid both on every run. This
 * sender starts no thread, keeps its connection alive between exports, and touches TLS only for
 * {@code https://}.
 *
 * <p>Synchronous: {@link #send} returns after the response (or the last retry). The SDK calls it
 * from its batch processors' own threads, which wait for the result anyway.
 */
final class UrlConnectionSender implements HttpSender {
    /** The statuses OTLP says to retry (the specification's "retryable" list for HTTP). */
    private static final Set<Integer> RETRYABLE_STATUS = Set.of(429, 502, 503, 504);

    private final URL endpoint;
    private final Proxy proxy;
    private final String contentType;
    private final Compressor compressor;
    private final int connectTimeoutMillis;
    private final long timeoutNanos;
    private final Supplier<Map<String, List<String>>> headers;
    private final RetryPolicy retry;
    private final Predicate<IOException> retryable;
    private final SSLSocketFactory tls;
    private final long maxResponseBody;

    UrlConnectionSender(HttpSenderConfig config) {
        URI uri = config.getEndpoint();
        try {
            this.endpoint = uri.toURL();
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("OTLP endpoint " + uri + ": " + e.getMessage(), e);
        }
        if (config.getEnabledProtocols() != null) {
            throw new IllegalArgumentException("the command line's OTLP sender does not choose TLS protocols; "
                    + "set them with the JVM's https.protocols property");
        }
        this.proxy = config.getProxyOptions() == null ? Proxy.NO_PROXY
                : config.getProxyOptions().getProxySelector().select(uri).stream().findFirst().orElse(Proxy.NO_PROXY);
        this.contentType = config.getContentType();
        this.compressor = config.getCompressor();
        this.connectTimeoutMillis = millis(config.getConnectTimeout().toNanos());
        this.timeoutNanos = config.getTimeout().toNanos();
        this.headers = config.getHeadersSupplier();
        this.retry = config.getRetryPolicy();
        this.retryable = retry == null || retry.getRetryExceptionPredicate() == null
                ? UrlConnectionSender::transientFailure : retry.getRetryExceptionPredicate();
        this.tls = config.getSslContext() == null ? null : config.getSslContext().getSocketFactory();
        this.maxResponseBody = config.getMaxResponseBodySize();
    }

    @Override
    public void send(MessageWriter message, Consumer<HttpResponse> onResponse, Consumer<Throwable> onError) {
        HttpResponse response;
        try {
            response = sendWithRetries(message);
        } catch (IOException | RuntimeException e) {
            onError.accept(e);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            onError.accept(e);
            return;
        }
        onResponse.accept(response);
    }

    private HttpResponse sendWithRetries(MessageWriter message) throws IOException, InterruptedException {
        byte[] body = compressor == null ? null : compressed(message);
        long deadline = System.nanoTime() + timeoutNanos;
        int attempts = retry == null ? 1 : Math.max(1, retry.getMaxAttempts());
        long backoff = retry == null ? 0 : retry.getInitialBackoff().toNanos();
        for (int attempt = 1; ; attempt++) {
            HttpResponse response = null;
            IOException failure = null;
            try {
                response = post(message, body, deadline);
            } catch (IOException e) {
                failure = e;
            }
            boolean again = attempt < attempts
                    && (response != null ? RETRYABLE_STATUS.contains(response.getStatusCode()) : retryable.test(failure));
            long pause = again ? ThreadLocalRandom.current().nextLong(Math.max(1, backoff)) : 0;
            if (!again || System.nanoTime() + pause >= deadline) {
                if (failure != null) {
                    throw failure;
                }
                return response;
            }
            TimeUnit.NANOSECONDS.sleep(pause);
            backoff = Math.min((long) (backoff * retry.getBackoffMultiplier()), retry.getMaxBackoff().toNanos());
        }
    }

    private HttpResponse post(MessageWriter message, byte[] compressedBody, long deadline) throws IOException {
        HttpURLConnection c = (HttpURLConnection) endpoint.openConnection(proxy);
        try {
            if (tls != null && c instanceof HttpsURLConnection https) {
                https.setSSLSocketFactory(tls);
            }
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setUseCaches(false);
            c.setConnectTimeout(connectTimeoutMillis);
            c.setReadTimeout(Math.max(1, millis(deadline - System.nanoTime())));
            c.setRequestProperty("Content-Type", contentType);
            if (headers != null) {
                Map<String, List<String>> extra = headers.get();
                if (extra != null) {
                    extra.forEach((name, values) -> values.forEach(v -> c.addRequestProperty(name, v)));
                }
            }
            if (compressedBody != null) {
                c.setRequestProperty("Content-Encoding", compressor.getEncoding());
                c.setFixedLengthStreamingMode(compressedBody.length);
                try (OutputStream out = c.getOutputStream()) {
                    out.write(compressedBody);
                }
            } else {
                c.setFixedLengthStreamingMode(message.getContentLength());
                try (OutputStream out = c.getOutputStream()) {
                    message.writeMessage(out);
                }
            }
            int status = c.getResponseCode();
            String reason = c.getResponseMessage();
            byte[] responseBody = read(status >= 400 ? c.getErrorStream() : c.getInputStream());
            return new Response(status, reason == null ? "" : reason, responseBody);
        } catch (IOException e) {
            // the connection is not reused after a failure
            c.disconnect();
            throw e;
        }
    }

    private byte[] compressed(MessageWriter message) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(Math.max(32, message.getContentLength() / 4));
        try (OutputStream out = compressor.compress(buffer)) {
            message.writeMessage(out);
        }
        return buffer.toByteArray();
    }

    /**
     * The response's body, up to the configured limit; read to its end (and closed) so the
     * connection goes back to the JDK's keep-alive cache for the next export.
     */
    private byte[] read(InputStream in) throws IOException {
        if (in == null) {
            return new byte[0];
        }
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                if (out.size() < maxResponseBody) {
                    out.write(buf, 0, (int) Math.min(n, maxResponseBody - out.size()));
                }
            }
            return out.toByteArray();
        }
    }

    /** Retried without a policy's own predicate: the collector was not reached or did not answer in time. */
    private static boolean transientFailure(IOException e) {
        return e instanceof ConnectException || e instanceof SocketTimeoutException;
    }

    private static int millis(long nanos) {
        return (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(Math.max(0, nanos)));
    }

    @Override
    public CompletableResultCode shutdown() {
        // no thread and no connection of its own to close: idle connections are the JDK's cache's
        return CompletableResultCode.ofSuccess();
    }

    private record Response(int statusCode, String statusMessage, byte[] body) implements HttpResponse {
        @Override
        public int getStatusCode() {
            return statusCode;
        }

        @Override
        public String getStatusMessage() {
            return statusMessage;
        }

        @Override
        public byte[] getResponseBody() {
            return body;
        }
    }
}
