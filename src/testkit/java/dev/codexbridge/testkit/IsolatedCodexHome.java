package dev.codexbridge.testkit;

import dev.codexbridge.process.Toml;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Writes a throw-away {@code CODEX_HOME} whose {@code config.toml} points codex at a
 * {@link ScriptedModelServer}: a made-up model slug (so codex uses its fallback tool set), no
 * retries (deterministic failures), the plugin and app features off (no start-up network), and
 * codex's shell snapshot off: the snapshot runs the user's login shell at thread start, so
 * slow or stuck dotfiles (version managers rehashing under a lock, say) would leak into runs.
 */
public final class IsolatedCodexHome {
    public static final String MODEL = "mock-model";
    public static final String PROVIDER = "mock_provider";

    private IsolatedCodexHome() {
    }

    public static Builder builder(Path dir, URI modelBaseUrl) {
        return new Builder(dir, modelBaseUrl);
    }

    public static final class Builder {
        private final Path dir;
        private final URI baseUrl;
        private String askForApproval = "never";
        private String sandboxMode = "read-only";
        private String model = MODEL;
        private final StringBuilder rootExtra = new StringBuilder();
        private final StringBuilder tablesExtra = new StringBuilder();
        private final Map<String, Boolean> features = new TreeMap<>();
        private int streamRetries;

        private Builder(Path dir, URI baseUrl) {
            this.dir = Objects.requireNonNull(dir, "dir");
            this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
        }

        /**
         * When codex asks before acting, written as {@code approval_policy}: {@code never}
         * (default), {@code on-request}. Codex's setting, like {@code ThreadOptions.askForApproval};
         * not the library's {@code ApprovalPolicy}. {@code untrusted} is refused here with an
         * {@link IllegalArgumentException}: codex 0.169.0 will not start with it in
         * {@code config.toml} ("no longer supported"), while per thread
         * ({@code ThreadOptions.askForApproval(AskForApproval.UNTRUSTED)}) it still works.
         */
        public Builder askForApproval(String policy) {
            if ("untrusted".equals(policy)) {
                throw new IllegalArgumentException("codex 0.169.0 refuses approval_policy = \"untrusted\" in config.toml and does not "
                        + "start (\"no longer supported\"); set it per thread instead: "
                        + "ThreadOptions.builder().askForApproval(AskForApproval.UNTRUSTED)");
            }
            this.askForApproval = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * The old name of {@link #askForApproval}.
         *
         * @deprecated renamed so that codex's setting is not confused with the library's
         *     {@code ApprovalPolicy}; removed in the next release
         */
        @Deprecated(since = "0.1.0", forRemoval = true)
        public Builder approvalPolicy(String policy) {
            return askForApproval(policy);
        }

        /** {@code read-only} (default), {@code workspace-write}, {@code danger-full-access}. */
        public Builder sandboxMode(String mode) {
            this.sandboxMode = mode;
            return this;
        }

        public Builder model(String model) {
            this.model = model;
            return this;
        }

        /** How often codex retries a dropped model stream (default 0, so failures are deterministic). */
        public Builder streamRetries(int retries) {
            this.streamRetries = retries;
            return this;
        }

        /** A codex feature flag, e.g. {@code request_permissions_tool} (see {@code codex features list}). */
        public Builder feature(String name, boolean enabled) {
            features.put(name, enabled);
            return this;
        }

        /** Raw TOML lines for the root table (before any table header). */
        public Builder rootToml(String toml) {
            rootExtra.append(toml).append(toml.endsWith("\n") ? "" : "\n");
            return this;
        }

        /** Raw TOML appended after the generated tables (e.g. {@code [mcp_servers.x]}). */
        public Builder extraToml(String toml) {
            tablesExtra.append(toml).append(toml.endsWith("\n") ? "" : "\n");
            return this;
        }

        /** The {@code config.toml} text this builder writes. */
        public String configToml() {
            return "# Written by codex-bridge's IsolatedCodexHome for an offline run.\n"
                    + "model = " + Toml.string(model) + "\n"
                    + "approval_policy = " + Toml.string(askForApproval) + "\n"
                    + "sandbox_mode = " + Toml.string(sandboxMode) + "\n"
                    + "model_provider = " + Toml.string(PROVIDER) + "\n"
                    + rootExtra
                    + "\n[features]\n"
                    + "plugins = false\n"
                    + "apps = false\n"
                    + "shell_snapshot = false\n"
                    + featureLines()
                    + "\n[model_providers." + PROVIDER + "]\n"
                    + "name = \"codex-bridge scripted model\"\n"
                    + "base_url = " + Toml.string(baseUrl.toString()) + "\n"
                    + "wire_api = \"responses\"\n"
                    // codex asks a custom provider for its model catalogue only when the provider names
                    // one and has a credential; the scripted server ignores the token and answers the
                    // mock model's metadata, so turns carry no "model metadata not found" warning
                    + "model_catalog_url = " + Toml.string(baseUrl + "/models") + "\n"
                    + "experimental_bearer_token = \"codex-bridge-offline\"\n"
                    + "request_max_retries = 0\n"
                    + "stream_max_retries = " + streamRetries + "\n"
                    + (tablesExtra.length() > 0 ? "\n" + tablesExtra : "");
        }

        private String featureLines() {
            StringBuilder sb = new StringBuilder();
            features.forEach((k, v) -> sb.append(Toml.key(k)).append(" = ").append(v).append('\n'));
            return sb.toString();
        }

        /** Creates the folder if needed, writes {@code config.toml}, returns the folder. */
        public Path write() {
            try {
                Files.createDirectories(dir);
                Files.writeString(dir.resolve("config.toml"), configToml());
                return dir;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + dir.resolve("config.toml"), e);
            }
        }
    }
}
