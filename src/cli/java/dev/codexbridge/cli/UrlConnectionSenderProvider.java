package dev.codexbridge.cli;

import io.opentelemetry.sdk.common.export.HttpSender;
import io.opentelemetry.sdk.common.export.HttpSenderConfig;
import io.opentelemetry.sdk.common.export.HttpSenderProvider;

/** Found by the OTLP exporter through {@code META-INF/services}: the command line's only HTTP sender. */
public final class UrlConnectionSenderProvider implements HttpSenderProvider {
    /** For the service loader. */
    public UrlConnectionSenderProvider() {
    }

    @Override
    public HttpSender createSender(HttpSenderConfig config) {
        return new UrlConnectionSender(config);
    }
}
