package dev.codexbridge.protocol;

import java.util.concurrent.CompletableFuture;

public interface CodexApi {
    <P, R> R request(RequestMethod<P, R> method, P params);

    <P, R> CompletableFuture<R> requestAsync(RequestMethod<P, R> method, P params);
}
