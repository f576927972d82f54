package dev.codexbridge.spring;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Whether {@code codex-bridge.tenants.homes-root} is set: tenants then, and no shared client or pool. */
abstract class TenantsCondition extends SpringBootCondition {
    static final String PROPERTY = "codex-bridge.tenants.homes-root";
    private final boolean wantTenants;

    TenantsCondition(boolean wantTenants) {
        this.wantTenants = wantTenants;
    }

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        String root = context.getEnvironment().getProperty(PROPERTY);
        boolean tenants = root != null && !root.isBlank();
        String why = PROPERTY + (tenants ? " is set" : " is not set");
        return tenants == wantTenants ? ConditionOutcome.match(why) : ConditionOutcome.noMatch(why);
    }

    static final class Some extends TenantsCondition {
        Some() {
            super(true);
        }
    }

    static final class None extends TenantsCondition {
        None() {
            super(false);
        }
    }
}
