package dev.codexbridge.spring;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code codex-bridge.process.*} properties: a codex app-server process the application
 * starts and stops itself (the default).
 */
public class ProcessProperties {
    /** The codex binary; unset: located (CODEX_BIN, -Dcodexbridge.codexDir, .codex-cli/, the codex-bridge-codex artifact, PATH). */
    private Path binary;
    /** CODEX_HOME of the process: config, sign-in, threads. Unset: the environment's, else ~/.codex. */
    private Path codexHome;
    /** The process's working directory; unset: the application's. */
    private Path workingDirectory;
    /** Variables set for codex, whatever the environment policy. */
    private Map<String, String> environment = new LinkedHashMap<>();
    /** Pass every variable of the application to codex (default: those whose names look secret are withheld). */
    private boolean inheritAllEnvironment;
    /** Variables let through although their names look secret (an MCP server's token, say). */
    private List<String> allowEnvironment = new ArrayList<>();
    /** codex -c overrides: key to TOML value, e.g. features.shell_snapshot: "false". */
    private Map<String, String> configOverrides = new LinkedHashMap<>();
    /** Start codex again once it has loaded this many conversations since it started (0: never; decision 0116). */
    private long recycleAfter;
    /** Start codex again once its resident memory grew by this many MiB since it started (0: never). */
    private long recycleAboveMib;
    /** How long new turns and thread loads wait for a recycle to find codex running no turn. */
    private Duration recycleHold = Duration.ofSeconds(10);

    public Path getBinary() {
        return binary;
    }

    public void setBinary(Path binary) {
        this.binary = binary;
    }

    public Path getCodexHome() {
        return codexHome;
    }

    public void setCodexHome(Path codexHome) {
        this.codexHome = codexHome;
    }

    public Path getWorkingDirectory() {
        return workingDirectory;
    }

    public void setWorkingDirectory(Path workingDirectory) {
        this.workingDirectory = workingDirectory;
    }

    public Map<String, String> getEnvironment() {
        return environment;
    }

    public void setEnvironment(Map<String, String> environment) {
        this.environment = environment;
    }

    public boolean isInheritAllEnvironment() {
        return inheritAllEnvironment;
    }

    public void setInheritAllEnvironment(boolean inheritAllEnvironment) {
        this.inheritAllEnvironment = inheritAllEnvironment;
    }

    public List<String> getAllowEnvironment() {
        return allowEnvironment;
    }

    public void setAllowEnvironment(List<String> allowEnvironment) {
        this.allowEnvironment = allowEnvironment;
    }

    public Map<String, String> getConfigOverrides() {
        return configOverrides;
    }

    public void setConfigOverrides(Map<String, String> configOverrides) {
        this.configOverrides = configOverrides;
    }

    boolean isSet() {
        return binary != null || codexHome != null || workingDirectory != null || !environment.isEmpty()
                || inheritAllEnvironment || !allowEnvironment.isEmpty() || !configOverrides.isEmpty();
    }

    public long getRecycleAfter() {
        return recycleAfter;
    }

    public void setRecycleAfter(long recycleAfter) {
        this.recycleAfter = recycleAfter;
    }

    public long getRecycleAboveMib() {
        return recycleAboveMib;
    }

    public void setRecycleAboveMib(long recycleAboveMib) {
        this.recycleAboveMib = recycleAboveMib;
    }

    public Duration getRecycleHold() {
        return recycleHold;
    }

    public void setRecycleHold(Duration recycleHold) {
        this.recycleHold = recycleHold;
    }
}
