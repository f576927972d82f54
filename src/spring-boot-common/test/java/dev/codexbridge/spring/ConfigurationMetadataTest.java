package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codexbridge.session.ConversationStorage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.BeanWrapperImpl;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.convert.ConversionService;

/**
 * The metadata the configuration processor wrote ({@code META-INF/spring-configuration-metadata.json},
 * merged with {@code additional-spring-configuration-metadata.json}): the default an IDE shows is
 * the one a property has, for every property whose field starts with a value, those the processor
 * cannot evaluate (a constant, an expression) included.
 */
class ConfigurationMetadataTest {
    /** Each properties class by its prefix, longest first so that a nested prefix wins. */
    private static final Map<String, Object> ROOTS = new LinkedHashMap<>();

    static {
        ROOTS.put("codex-bridge.spring-ai.", new SpringAiProperties());
        ROOTS.put("codex-bridge.tenants.", new TenantsProperties());
        ROOTS.put("codex-bridge.a2a.", new A2aProperties());
        ROOTS.put("codex-bridge.mcp.", new McpProperties());
        ROOTS.put("codex-bridge.openai.", new OpenAiProperties());
        ROOTS.put("codex-bridge.", new CodexBridgeProperties());
    }

    private final ConversionService conversion = ApplicationConversionService.getSharedInstance();

    @Test
    void durationsInitialisedWithAConstantShowTheirDefault() throws IOException {
        Map<String, JsonNode> metadata = properties();
        assertThat(metadata.get("codex-bridge.store.lease-time").path("defaultValue").asText()).isEqualTo("6s");
        assertThat(conversion.convert("6s", Duration.class)).isEqualTo(ConversationStorage.DOORS_LEASE);
        assertThat(metadata.get("codex-bridge.session.hibernate-after").path("defaultValue").asText()).isEqualTo("2m");
    }

    @Test
    void everyPropertyWithAnInitialValueShowsThatValueAsItsDefault() throws IOException {
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Map.Entry<String, JsonNode> e : properties().entrySet()) {
            Object initial = initialValue(e.getKey());
            if (initial == null || initial instanceof Collection<?> || initial instanceof Map<?, ?>) {
                continue;                                                       // no default to show, or none the processor writes
            }
            checked++;
            JsonNode shown = e.getValue().get("defaultValue");
            if (shown == null) {
                wrong.add(e.getKey() + ": no default, is " + initial);
            } else if (!initial.equals(conversion.convert(shown.asText(), initial.getClass()))) {
                wrong.add(e.getKey() + ": default " + shown + ", is " + initial);
            }
        }
        assertThat(checked).as("properties with an initial value").isGreaterThan(40);
        assertThat(wrong).isEmpty();
    }

    /** The starter's properties in the metadata on the class path, by name. */
    private static Map<String, JsonNode> properties() throws IOException {
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (URL url : Collections.list(ConfigurationMetadataTest.class.getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"))) {
            try (InputStream in = url.openStream()) {
                for (JsonNode p : json.readTree(in).path("properties")) {
                    if (p.path("sourceType").asText().startsWith("dev.codexbridge.spring.")) {
                        byName.put(p.path("name").asText(), p);
                    }
                }
            }
        }
        assertThat(byName).as("the starter's metadata").containsKeys("codex-bridge.enabled", "codex-bridge.store.lease-time");
        return byName;
    }

    /** The value a fresh properties object holds for {@code name}, or null where it has none (or no such bean path). */
    private static Object initialValue(String name) {
        for (Map.Entry<String, Object> root : ROOTS.entrySet()) {
            if (name.startsWith(root.getKey())) {
                String path = camelCase(name.substring(root.getKey().length()));
                BeanWrapperImpl bean = new BeanWrapperImpl(root.getValue());
                return bean.isReadableProperty(path) ? bean.getPropertyValue(path) : null;
            }
        }
        return null;
    }

    private static String camelCase(String kebab) {
        StringBuilder b = new StringBuilder();
        boolean upper = false;
        for (char c : kebab.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                b.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return b.toString();
    }
}
