package dev.codexbridge.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.ShortLivedCodex;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Asks a briefly started {@code codex app-server} ({@link ShortLivedCodex}) which plugins are
 * installed ({@code plugin/list}). Best effort and bounded in time: any failure becomes
 * {@link PluginCatalog.Discovery#failed}, never an exception.
 */
public final class PluginDiscovery implements PluginCatalog {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final Path codexBinary;
    private final Duration timeout;

    public PluginDiscovery(Path codexBinary, Duration timeout) {
        this.codexBinary = codexBinary;
        this.timeout = timeout;
    }

    @Override
    public Discovery discover(Path codexHome) {
        try (ShortLivedCodex codex = ShortLivedCodex.start(ShortLivedCodex.launch(codexBinary, codexHome, "codex-plugins"),
                "migrate", timeout)) {
            return parse(codex.request("plugin/list", null, JsonNode.class));
        } catch (RuntimeException e) {
            return Discovery.failed("plugin/list query failed: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /**
     * Installed, available plugins of a {@code plugin/list} result, deduplicated, in the order
     * listed. Plugins whose availability is set and not {@code AVAILABLE} are left out.
     */
    static Discovery parse(JsonNode result) {
        JsonNode marketplaces = result == null ? null : result.get("marketplaces");
        if (marketplaces == null || !marketplaces.isArray()) {
            return Discovery.failed("plugin/list response has no marketplaces list");
        }
        Set<String> seen = new LinkedHashSet<>();
        List<Plugin> out = new ArrayList<>();
        for (JsonNode market : marketplaces) {
            String marketName = market.path("name").asText("");
            if (marketName.isEmpty()) {
                marketName = "openai-curated";
            }
            for (JsonNode p : market.path("plugins")) {
                String name = p.path("name").asText("");
                if (name.isEmpty() || !p.path("installed").asBoolean(false)) {
                    continue;
                }
                String availability = p.path("availability").asText("");
                if (!availability.isEmpty() && !availability.toUpperCase(Locale.ROOT).equals("AVAILABLE")) {
                    continue;
                }
                Plugin plugin = new Plugin(name, marketName, p.path("enabled").asBoolean(true));
                if (seen.add(plugin.id())) {
                    out.add(plugin);
                }
            }
        }
        return Discovery.of(out);
    }
}
