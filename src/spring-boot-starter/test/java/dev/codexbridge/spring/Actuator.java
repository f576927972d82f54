package dev.codexbridge.spring;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.actuate.health.CompositeHealth;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthComponent;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.context.ApplicationContext;

/**
 * Spring Boot 3's Actuator for the tests both starters share (src/spring-boot-common/test): the
 * health endpoint read as plain strings and maps, since its types moved in Spring Boot 4.
 */
final class Actuator {
    /** What a context runner needs for {@code /actuator/health} and a {@code MeterRegistry}. */
    static final AutoConfigurations HEALTH_AND_METRICS = AutoConfigurations.of(HealthContributorAutoConfiguration.class,
            HealthEndpointAutoConfiguration.class, MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
            CompositeMeterRegistryAutoConfiguration.class);
    /** Hidden from the class loader, an application has no health indicators at all. */
    static final String HEALTH_PACKAGE = "org.springframework.boot.actuate";
    /** The type of the starter's health bean. */
    static final Class<?> HEALTH_CONTRIBUTOR = HealthContributor.class;

    private Actuator() {
    }

    /** The status code at {@code path} of the health endpoint ({@code "UP"}, {@code "DOWN"}). */
    static String status(ApplicationContext c, String... path) {
        return component(c, path).getStatus().getCode();
    }

    /** The details of the indicator at {@code path}. */
    static Map<String, Object> details(ApplicationContext c, String... path) {
        return ((Health) component(c, path)).getDetails();
    }

    /** The status of each part of the composite at {@code path}, by name. */
    static Map<String, String> parts(ApplicationContext c, String... path) {
        Map<String, String> parts = new LinkedHashMap<>();
        ((CompositeHealth) component(c, path)).getComponents().forEach((name, h) -> parts.put(name, h.getStatus().getCode()));
        return parts;
    }

    private static HealthComponent component(ApplicationContext c, String... path) {
        return c.getBean(HealthEndpoint.class).healthForPath(path);
    }
}
