package dev.codexbridge.spring;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.actuate.endpoint.CompositeHealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.IndicatedHealthDescriptor;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.context.ApplicationContext;

/**
 * Spring Boot 4's health ({@code spring-boot-health}) and metrics ({@code spring-boot-micrometer-metrics})
 * for the tests both starters share (src/spring-boot-common/test): the health endpoint read as
 * plain strings and maps, since its types moved from Spring Boot 3's Actuator.
 */
final class Actuator {
    /** What a context runner needs for {@code /actuator/health} and a {@code MeterRegistry}. */
    static final AutoConfigurations HEALTH_AND_METRICS = AutoConfigurations.of(HealthContributorAutoConfiguration.class,
            HealthContributorRegistryAutoConfiguration.class, HealthEndpointAutoConfiguration.class,
            MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class);
    /** Hidden from the class loader, an application has no health indicators at all. */
    static final String HEALTH_PACKAGE = "org.springframework.boot.health";
    /** The type of the starter's health bean. */
    static final Class<?> HEALTH_CONTRIBUTOR = HealthContributor.class;

    private Actuator() {
    }

    /** The status code at {@code path} of the health endpoint ({@code "UP"}, {@code "DOWN"}). */
    static String status(ApplicationContext c, String... path) {
        return descriptor(c, path).getStatus().getCode();
    }

    /** The details of the indicator at {@code path}. */
    static Map<String, Object> details(ApplicationContext c, String... path) {
        return ((IndicatedHealthDescriptor) descriptor(c, path)).getDetails();
    }

    /** The status of each part of the composite at {@code path}, by name. */
    static Map<String, String> parts(ApplicationContext c, String... path) {
        Map<String, String> parts = new LinkedHashMap<>();
        Map<String, HealthDescriptor> components = ((CompositeHealthDescriptor) descriptor(c, path)).getComponents();
        if (components != null) {
            components.forEach((name, h) -> parts.put(name, h.getStatus().getCode()));
        }
        return parts;
    }

    private static HealthDescriptor descriptor(ApplicationContext c, String... path) {
        HealthDescriptor d = c.getBean(HealthEndpoint.class).healthForPath(path);
        if (d == null) {
            throw new AssertionError("no health at " + String.join("/", path));
        }
        return d;
    }
}
