package dev.codexbridge.config;

import java.nio.file.Path;
import java.util.List;

/** Where the migrator learns which codex plugins are installed. */
@FunctionalInterface
public interface PluginCatalog {
    /** The outcome of one discovery: plugins, or an error saying why there are none. */
    record Discovery(List<Plugin> plugins, String error) {
        public Discovery {
            plugins = List.copyOf(plugins);
        }

        public static Discovery of(List<Plugin> plugins) {
            return new Discovery(plugins, null);
        }

        public static Discovery failed(String error) {
            return new Discovery(List.of(), error);
        }
    }

    Discovery discover(Path codexHome);

    /** No discovery at all (the {@code --no-plugins} case). */
    static PluginCatalog none() {
        return home -> null;
    }

    /** A fixed list (golden cases, hosts that know their plugins). */
    static PluginCatalog fixed(List<Plugin> plugins) {
        return home -> Discovery.of(plugins);
    }
}
