/**
 * The library's shared threads and future helpers: {@link dev.codexbridge.rpc.internal.RpcThreads}
 * (the one timer, the dispatch pool that runs turns, the callback pool) and
 * {@link dev.codexbridge.rpc.internal.Futures}. Used by every layer of the library; not API, with
 * no compatibility promise, and public only because Java has no access level between packages.
 */
package dev.codexbridge.rpc.internal;
