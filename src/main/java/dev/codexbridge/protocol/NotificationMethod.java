package dev.codexbridge.protocol;

/** A notification of the protocol: its wire name and the type of its params. */
public record NotificationMethod<P>(String method, Class<P> paramsType) {
}
