package dev.codexbridge.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CodexEndpointTest {
    @Test
    void parsesEachKindOfAppServerUrl() {
        CodexEndpoint ws = CodexEndpoint.parse("ws://127.0.0.1:4500");
        assertThat(ws.kind()).isEqualTo(CodexEndpoint.Kind.WEBSOCKET);
        assertThat(ws.uri()).isEqualTo(URI.create("ws://127.0.0.1:4500/"));
        assertThat(CodexEndpoint.parse("wss://codex.internal/app").uri()).isEqualTo(URI.create("wss://codex.internal/app"));
        assertThat(CodexEndpoint.parse("ws://[::1]:4500").uri().getHost()).isEqualTo("[::1]");

        CodexEndpoint unix = CodexEndpoint.parse("unix:///run/codex/app.sock");
        assertThat(unix.kind()).isEqualTo(CodexEndpoint.Kind.UNIX_SOCKET);
        assertThat(unix.socketPath()).isEqualTo(Path.of("/run/codex/app.sock"));
        assertThat(unix.uri()).isEqualTo(URI.create("unix:///run/codex/app.sock"));
    }

    @Test
    void theBareUnixSchemeMeansTheControlSocketUnderCodexHome() {
        assertThat(CodexEndpoint.controlSocket(Path.of("/home/u/.codex")).socketPath())
                .isEqualTo(Path.of("/home/u/.codex/app-server-control/app-server-control.sock"));
        assertThat(CodexEndpoint.parse("unix://").socketPath().toString())
                .endsWith("app-server-control/app-server-control.sock");
    }

    @Test
    void urlsCarryingCredentialsAreRefusedWithoutEchoingThem() {
        for (String url : new String[] {"ws://user:hunter2secret@127.0.0.1:1/", "ws://127.0.0.1:1/?token=hunter2secret",
                "ws://127.0.0.1:1/#hunter2secret"}) {
            assertThatThrownBy(() -> CodexEndpoint.parse(url)).isInstanceOf(IllegalArgumentException.class)
                    .message().doesNotContain("hunter2secret").contains("token or secret file");
        }
        assertThatThrownBy(() -> CodexEndpoint.parse("ws://bad host:hunter2secret"))
                .isInstanceOf(IllegalArgumentException.class).message().doesNotContain("hunter2secret");
        assertThatThrownBy(() -> CodexEndpoint.parse("http://127.0.0.1:1")).hasMessageContaining("ws://, wss:// or unix://");
    }

    @Test
    void plaintextToAHostThatIsNotLoopbackIsRefusedUnlessAllowed() {
        CodexEndpoint remote = CodexEndpoint.parse("ws://192.0.2.10:4500");
        assertThatThrownBy(remote::checkTransportSecurity).isInstanceOf(TransportException.class)
                .hasMessageContaining("not a loopback address").hasMessageContaining("wss://")
                .hasMessageContaining("allowPlaintextRemote(true)");
        assertThatCode(remote.allowPlaintextRemote(true)::checkTransportSecurity).doesNotThrowAnyException();
        assertThatCode(CodexEndpoint.parse("wss://192.0.2.10:4500")::checkTransportSecurity).doesNotThrowAnyException();
        for (String local : new String[] {"ws://127.0.0.1:1", "ws://127.1.2.3:1", "ws://[::1]:1", "ws://localhost:1"}) {
            assertThatCode(CodexEndpoint.parse(local)::checkTransportSecurity).as(local).doesNotThrowAnyException();
        }
    }

    @Test
    void pathParametersAreRefusedWithoutEchoingThem() {
        for (String url : new String[] {"ws://127.0.0.1:1/p;token=hunter2secret", "wss://codex.internal/app;hunter2secret",
                "ws://127.0.0.1:1/;hunter2secret/x"}) {
            assertThatThrownBy(() -> CodexEndpoint.parse(url)).as(url).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("path parameters").message().doesNotContain("hunter2secret");
        }
        assertThatThrownBy(() -> CodexEndpoint.websocket(URI.create("ws://127.0.0.1:1/p;token=hunter2secret")))
                .message().doesNotContain("hunter2secret");
        assertThat(CodexEndpoint.parse("wss://codex.internal/app/v1").toString()).startsWith("wss://codex.internal/app/v1 ");
    }

    /** Answers {@code answers} in turn, one per lookup, and counts the lookups. */
    private static final class Resolver implements CodexEndpoint.HostResolver {
        private final InetAddress[][] answers;
        private final List<String> asked = new ArrayList<>();

        Resolver(String... answers) {
            this.answers = new InetAddress[answers.length][];
            for (int i = 0; i < answers.length; i++) {
                try {
                    this.answers[i] = new InetAddress[] {InetAddress.getByName(answers[i])};
                } catch (UnknownHostException e) {
                    throw new AssertionError(e);
                }
            }
        }

        @Override
        public InetAddress[] resolve(String host) {
            asked.add(host);
            return answers[Math.min(asked.size(), answers.length) - 1];
        }
    }

    @Test
    void localhostIsResolvedAndCheckedLikeAnyOtherName() {
        CodexEndpoint local = CodexEndpoint.parse("ws://localhost:4500");
        Resolver elsewhere = new Resolver("192.0.2.10");
        assertThatThrownBy(() -> local.connectTarget(elsewhere)).isInstanceOf(TransportException.class)
                .hasMessageContaining("localhost is not a loopback address");
        assertThat(elsewhere.asked).containsExactly("localhost");
        assertThat(local.connectTarget(new Resolver("127.0.0.1"))).isEqualTo(URI.create("ws://127.0.0.1:4500/"));
    }

    @Test
    void aNameIsResolvedOnceAndTheConnectionGoesToTheAddressChecked() {
        Resolver rebinding = new Resolver("127.0.0.1", "192.0.2.10");
        URI target = CodexEndpoint.parse("ws://codex.test:4500/app").connectTarget(rebinding);
        assertThat(target).isEqualTo(URI.create("ws://127.0.0.1:4500/app"));
        assertThat(rebinding.asked).containsExactly("codex.test");
        assertThat(CodexEndpoint.parse("ws://codex.test:4500").connectTarget(new Resolver("::1")))
                .isEqualTo(URI.create("ws://[0:0:0:0:0:0:0:1]:4500/"));

        CodexEndpoint.HostResolver never = host -> {
            throw new AssertionError("resolved " + host);
        };
        CodexEndpoint tls = CodexEndpoint.parse("wss://codex.test:4500/app");
        assertThat(tls.connectTarget(never)).as("TLS checks the name itself").isEqualTo(tls.uri());
        CodexEndpoint allowed = CodexEndpoint.parse("ws://codex.test:4500").allowPlaintextRemote(true);
        assertThat(allowed.connectTarget(never)).isEqualTo(allowed.uri());
    }

    @Test
    void theLoopbackRulesHoldForEveryFormOfAddress() {
        for (String local : new String[] {"ws://[::1]:1", "ws://127.0.0.2:1", "ws://127.255.255.254:1"}) {
            assertThatCode(CodexEndpoint.parse(local)::checkTransportSecurity).as(local).doesNotThrowAnyException();
        }
        for (String any : new String[] {"ws://0.0.0.0:1", "ws://[::]:1", "ws://192.0.2.10:1", "ws://[2001:db8::1]:1"}) {
            assertThatThrownBy(CodexEndpoint.parse(any)::checkTransportSecurity).as(any)
                    .isInstanceOf(TransportException.class).hasMessageContaining("not a loopback address");
        }
    }

    @Test
    void aDescriptionNamesTheCredentialKindButNeverTheCredential() {
        CodexEndpoint ep = CodexEndpoint.parse("ws://127.0.0.1:4500").token("s3cret-token-value"::toCharArray);
        assertThat(ep.toString()).isEqualTo("ws://127.0.0.1:4500/ (capability token)").doesNotContain("s3cret");
        assertThat(ep.auth().toString()).doesNotContain("s3cret");
        assertThat(ep.tokenFile(Path.of("/run/secrets/t")).toString()).contains("capability token from /run/secrets/t");
    }

    @Test
    void settingsAreValidatedAndEveryWitherReturnsANewEndpoint() {
        CodexEndpoint ep = CodexEndpoint.parse("ws://127.0.0.1:4500");
        CodexEndpoint tuned = ep.connectTimeout(Duration.ofSeconds(3)).maxMessageBytes(4096).inboundBufferBytes(1024);
        assertThat(ep.connectTimeout()).isEqualTo(CodexEndpoint.DEFAULT_CONNECT_TIMEOUT);
        assertThat(tuned.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(tuned.maxMessageBytes()).isEqualTo(4096);
        assertThat(tuned.inboundBufferBytes()).isEqualTo(1024);
        assertThatThrownBy(() -> ep.connectTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ep.maxMessageBytes(10)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aProbeOfAnEndpointWhereNothingListensSaysSoInsteadOfThrowing() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        EndpointStatus status = CodexEndpoint.parse("ws://127.0.0.1:" + port).readiness(Duration.ofSeconds(5));
        assertThat(status.ok()).isFalse();
        assertThat(status.httpStatus()).isZero();
        assertThat(status.detail()).contains("/readyz unreachable");
        EndpointStatus unix = CodexEndpoint.unixSocket(Path.of("/nonexistent/codex.sock")).readiness(Duration.ofSeconds(5));
        assertThat(unix.ok()).isFalse();
        assertThat(unix.detail()).contains("cannot connect");
    }
}
