package dev.codexbridge.runtime;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.codexbridge.json.Json;
import java.util.List;

/**
 * What {@link RuntimeSwitch#status} found.
 *
 * @param readiness  with a probe: {@code ready}, {@code loggedOut}, {@code modelUnavailable}, or {@code error}; else null
 * @param remediation one line on what to do when not ready
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record RuntimeStatus(
        boolean enabled,
        String stateStore,
        String codexBinary,
        String codexVersion,
        String codexProblem,
        String codexHome,
        boolean managedBlock,
        List<String> managedServers,
        List<String> managedPlugins,
        String managedDefaultPermissions,
        String account,
        String readiness,
        String remediation) {

    public RuntimeStatus {
        managedServers = List.copyOf(managedServers);
        managedPlugins = List.copyOf(managedPlugins);
    }

    public String toJson() {
        return Json.write(this);
    }

    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append("codex runtime: ").append(enabled ? "enabled" : "disabled").append(" (state in ").append(stateStore).append(")\n");
        sb.append("codex: ").append(codexBinary == null ? "not found — " + codexProblem : codexBinary + " (" + codexVersion + ")").append('\n');
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
            sb.append("probe: ").append(readiness).append(remediation == null ? "" : " — " + remediation).append('\n');
        }
        return sb.toString();
    }
}
