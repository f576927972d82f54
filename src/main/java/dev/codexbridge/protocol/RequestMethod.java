package dev.codexbridge.protocol;

/** A client or server request of the protocol: its wire name and the types of its params and result. */
public record RequestMethod<P, R>(String method, Class<P> paramsType, Class<R> resultType, boolean experimental) {
}
