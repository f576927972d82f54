package dev.codexbridge.live;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tenant B's model tries to reach tenant A's workspace, with a workspaces root under /var/tmp, under
 * each sandbox and approval setting and the library's fail-closed approvals. Needs bubblewrap
 * (decision 0030). The tenants' homes are {@link TenantEscapeLiveTest}'s.
 */
class TenantWorkspaceEscapeLiveTest extends TenantWorkspaceEscapeRig {

    /**
     * Issue 41 item 2: tenant B's model tries to read and list tenant A's workspace (a host's
     * workspaces root under /var/tmp, one folder per tenant) while A's codex runs in it: by absolute
     * path, by {@code ..}, through {@code /proc/<pid>/cwd} of every process it can see, through a link
     * B plants in its own workspace, by {@code apply_patch}, and by asking to run outside the sandbox.
     */
    @ParameterizedTest(name = "workspaces root, sandbox {0}, approvals {1}")
    @MethodSource("settings")
    void tenantBReachesNothingOfTenantAsWorkspace(String sandbox, String approval) throws Exception {
        assertWorkspaceEscapesFail(sandbox, approval, true);
    }
}
