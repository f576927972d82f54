package dev.codexbridge.spring;

/**
 * The {@code codex-bridge.telemetry.*} properties: traces and the library's metrics through the
 * application's OpenTelemetry bean.
 */
public class TelemetryProperties {
    /** Record prompts, answers and tool arguments on spans. */
    private boolean captureContent;

    public boolean isCaptureContent() {
        return captureContent;
    }

    public void setCaptureContent(boolean captureContent) {
        this.captureContent = captureContent;
    }
}
