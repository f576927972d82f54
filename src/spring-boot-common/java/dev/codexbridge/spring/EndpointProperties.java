package dev.codexbridge.spring;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code codex-bridge.endpoint.*} properties, and those of each
 * {@code codex-bridge.pool.endpoints.<name>.*}: a running app-server to connect to, and its
 * credentials.
 */
public class EndpointProperties {
    /** ws://IP:PORT, wss://HOST[:PORT][/path], unix://PATH, or unix:// for $CODEX_HOME's control socket. */
    private String url;
    /** A file holding the capability token (--ws-auth capability-token); read per connection. */
    private Path tokenFile;
    /** Signed JWT bearer (--ws-auth signed-bearer-token). */
    private final Jwt jwt = new Jwt();
    /** Allow plain ws:// to a host that is not loopback (use wss:// or a tunnel instead). */
    private boolean allowPlaintextRemote;
    /** How long opening the connection may take. */
    private Duration connectTimeout;
    /** Silence after which a ping is sent; 0 turns pings off. */
    private Duration keepAlive;
    /** How long a ping may go unanswered before the connection is given up. */
    private Duration keepAliveTimeout;
    /** The most threads the pool places on this endpoint (pool endpoints only; default: max-threads-per-connection). */
    private Integer maxThreads;

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public Path getTokenFile() {
        return tokenFile;
    }

    public void setTokenFile(Path tokenFile) {
        this.tokenFile = tokenFile;
    }

    public Jwt getJwt() {
        return jwt;
    }

    public boolean isAllowPlaintextRemote() {
        return allowPlaintextRemote;
    }

    public void setAllowPlaintextRemote(boolean allowPlaintextRemote) {
        this.allowPlaintextRemote = allowPlaintextRemote;
    }

    public Duration getConnectTimeout() {
        return connectTimeout;
    }

    public void setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public Duration getKeepAlive() {
        return keepAlive;
    }

    public void setKeepAlive(Duration keepAlive) {
        this.keepAlive = keepAlive;
    }

    public Duration getKeepAliveTimeout() {
        return keepAliveTimeout;
    }

    public void setKeepAliveTimeout(Duration keepAliveTimeout) {
        this.keepAliveTimeout = keepAliveTimeout;
    }

    public Integer getMaxThreads() {
        return maxThreads;
    }

    public void setMaxThreads(Integer maxThreads) {
        this.maxThreads = maxThreads;
    }

    boolean isSet() {
        return url != null || tokenFile != null || jwt.isSet();
    }

    /** The HS256 JWT signed per connection for an app-server started with --ws-auth signed-bearer-token. */
    public static class Jwt {
        /** The shared secret's file (at least 32 bytes). */
        private Path secretFile;
        /** The token's iss claim, as the app-server expects it. */
        private String issuer;
        /** The token's aud claim, as the app-server expects it. */
        private String audience;

        public Path getSecretFile() {
            return secretFile;
        }

        public void setSecretFile(Path secretFile) {
            this.secretFile = secretFile;
        }

        public String getIssuer() {
            return issuer;
        }

        public void setIssuer(String issuer) {
            this.issuer = issuer;
        }

        public String getAudience() {
            return audience;
        }

        public void setAudience(String audience) {
            this.audience = audience;
        }

        boolean isSet() {
            return secretFile != null || issuer != null || audience != null;
        }
    }
}
