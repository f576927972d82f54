package dev.codexbridge.runtime;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.process.NewerCodex;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What {@link RuntimeSwitch#status} found.
 *
 * @param account    with a probe: what {@code account/read} said, in words; else null
 * @param readiness  with a probe: {@link Readiness#READY}, {@code LOGGED_OUT}, {@code MODEL_UNAVAILABLE} or {@code ERROR}; else null
 * @param remediation one line on what to do when not ready
 * @param state      the recorded state (null when the switch never ran)
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record RuntimeStatus(
        boolean enabled,
        String stateStore,
        @Nullable String codexBinary,
        @Nullable String codexVersion,
        @Nullable String codexProblem,
        String codexHome,
        boolean managedBlock,
        List<String> managedServers,
        List<String> managedPlugins,
        @Nullable String managedDefaultPermissions,
        @Nullable String account,
        @Nullable Readiness readiness,
        @Nullable String remediation,
        @Nullable RuntimeState state) {

    public RuntimeStatus {
        managedServers = List.copyOf(managedServers);
        managedPlugins = List.copyOf(managedPlugins);
    }

    /**
     * When the codex found is newer than the one codex-bridge pins: which version was tested and
     * where the compatibility matrix is ({@link NewerCodex#line}); null otherwise. A newer codex is
     * not refused.
     */
    @JsonProperty("codexNote")
    public @Nullable String codexNote() {
        return NewerCodex.line(CodexVersion.parse(codexVersion).orElse(null)).orElse(null);
    }

    public String toJson() {
        return Json.write(this);
    }

    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append("codex runtime: ").append(enabled ? "enabled" : "disabled")
                .append(state == null || state.changedAt() == null ? "" : " since " + state.changedAt())
                .append(" (state in ").append(stateStore).append(")\n");
        if (state != null && (!state.mcpSources().isEmpty() || state.permissions() != null)) {
            sb.append("remembered for re-enable: ").append(state.mcpSources().size()).append(" MCP config(s)");
            state.mcpSources().stream().filter(m -> m.path() != null).forEach(m -> sb.append(' ').append(m.path()));
            sb.append(state.permissions() == null ? "" : ", permissions " + state.permissions()).append('\n');
        }
        sb.append("codex: ").append(codexBinary == null ? "not found — " + codexProblem : codexBinary + " (" + codexVersion + ")").append('\n');
        String note = codexNote();
        if (note != null) {
            sb.append("note: ").append(note).append('\n');
        }
        sb.append("CODEX_HOME: ").append(codexHome).append('\n');
        if (managedBlock) {
            sb.append("managed block: ").append(managedServers.size()).append(" MCP server(s)")
                    .append(managedServers.isEmpty() ? "" : " " + managedServers)
                    .append(", ").append(managedPlugins.size()).append(" plugin(s)")
                    .append(managedPlugins.isEmpty() ? "" : " " + managedPlugins)
                    .append(managedDefaultPermissions == null ? "" : ", default_permissions " + managedDefaultPermissions).append('\n');
        } else {
            sb.append("managed block: none\n");
        }
        if (readiness != null) {
            sb.append("account: ").append(account).append('\n');
            sb.append("probe: ").append(readiness.wire()).append(remediation == null ? "" : " — " + remediation).append('\n');
        }
        return sb.toString();
    }
}
