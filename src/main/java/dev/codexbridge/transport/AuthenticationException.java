package dev.codexbridge.transport;

import dev.codexbridge.internal.UntrustedText;
import java.util.Locale;

/**
 * The app-server refused the connection's credentials (HTTP 401 on the WebSocket upgrade): no
 * token where one is required, a wrong token, or a JWT with a bad signature, issuer, audience or
 * lifetime. {@link #reason()} is codex's own explanation (e.g. {@code invalid websocket bearer
 * token}, {@code expired websocket jwt}), at most 200 characters with secrets masked;
 * {@link #remediation()} says what to check. Neither, nor the message, contains the credential;
 * the message shows the reason with control characters escaped.
 */
public final class AuthenticationException extends TransportException {
    private static final long serialVersionUID = 1L;

    private final String endpoint;
    private final String reason;
    private final String remediation;

    public AuthenticationException(String endpoint, String credential, String reason) {
        super(message(endpoint, credential, reason));
        this.endpoint = endpoint;
        this.reason = reason;
        this.remediation = remediation(credential, reason);
    }

    /** The endpoint that refused, without credentials. */
    public String endpoint() {
        return endpoint;
    }

    /** What codex said, e.g. {@code missing websocket bearer token}; empty when it said nothing. */
    public String reason() {
        return reason;
    }

    /** What to check or change, for a person. */
    public String remediation() {
        return remediation;
    }

    private static String message(String endpoint, String credential, String reason) {
        return "codex app-server at " + endpoint + " refused the connection's credentials ("
                + credential + ")" + (reason.isEmpty() ? "" : ": " + UntrustedText.of(reason)) + ". " + remediation(credential, reason);
    }

    static String remediation(String credential, String reason) {
        String r = reason.toLowerCase(Locale.ROOT);
        if (r.contains("missing")) {
            return "The server was started with --ws-auth; give the client the matching credential "
                    + "(--token-file for capability-token, --jwt-secret-file for signed-bearer-token).";
        }
        if (r.contains("expired") || r.contains("not valid yet")) {
            return "Check that the clocks of client and server agree (the server allows --ws-max-clock-skew-seconds).";
        }
        if (r.contains("issuer")) {
            return "The JWT's issuer must equal the server's --ws-issuer.";
        }
        if (r.contains("audience")) {
            return "The JWT's audience must equal the server's --ws-audience.";
        }
        if (r.contains("jwt")) {
            return "The JWT must be HS256-signed with the server's --ws-shared-secret-file and carry exp; "
                    + "check that both sides use the same secret file.";
        }
        if (credential.startsWith("no credentials")) {
            return "The server was started with --ws-auth; configure the matching credential.";
        }
        return "Check that the token matches the server's --ws-token-file (or --ws-token-sha256), and that the "
                + "server runs with the --ws-auth mode this client uses.";
    }
}
