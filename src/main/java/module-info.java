/**
 * The codex-bridge library. It exports the packages a host compiles against, the ones its checked
 * API file lists, and {@code dev.codexbridge.internal}, the shared bottom the library's other
 * artifacts (the migration, OpenTelemetry, the front ends, the store on PostgreSQL) use and a
 * host does not. The machinery's packages ({@code approval.internal}, {@code client.internal},
 * {@code rpc.internal}, {@code session.internal} and its rooms) are not exported: a host on the
 * module path cannot compile against them unless it opts in with {@code --add-exports}
 * (decision 0108). On the class path, where the library's own build and tests run, this
 * descriptor is ignored and the API file says what is internal.
 *
 * <p>The module is open: Jackson reads the protocol's records and the library's values by
 * reflection, and a host's own Jackson may do the same with the values it is handed.
 */
open module dev.codexbridge {
    requires transitive com.fasterxml.jackson.databind;
    requires com.nimbusds.jose.jwt;
    requires dev.harrel.jsonschema;
    requires java.net.http;
    requires transitive java.sql;
    requires jdk.net;
    requires jdk.security.auth;
    requires static transitive org.jspecify;
    requires transitive org.slf4j;

    exports dev.codexbridge;
    exports dev.codexbridge.approval;
    exports dev.codexbridge.callers;
    exports dev.codexbridge.client;
    exports dev.codexbridge.gateway;
    exports dev.codexbridge.internal;
    exports dev.codexbridge.json;
    exports dev.codexbridge.lineage;
    exports dev.codexbridge.observe;
    exports dev.codexbridge.pool;
    exports dev.codexbridge.process;
    exports dev.codexbridge.protocol;
    exports dev.codexbridge.rpc;
    exports dev.codexbridge.session;
    exports dev.codexbridge.store;
    exports dev.codexbridge.store.spi;
    exports dev.codexbridge.tenant;
    exports dev.codexbridge.tool;
    exports dev.codexbridge.transcript;
    exports dev.codexbridge.transport;
}
