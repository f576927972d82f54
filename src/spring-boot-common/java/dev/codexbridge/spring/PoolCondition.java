package dev.codexbridge.spring;

import java.util.Map;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Whether {@code codex-bridge.pool.endpoints} names any endpoint: a pool then, else one client. */
abstract class PoolCondition extends SpringBootCondition {
    private final boolean wantPool;

    PoolCondition(boolean wantPool) {
        this.wantPool = wantPool;
    }

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        boolean pool = Binder.get(context.getEnvironment())
                .bind("codex-bridge.pool.endpoints", Bindable.mapOf(String.class, EndpointProperties.class))
                .map(Map::isEmpty).map(empty -> !empty).orElse(false);
        return pool == wantPool
                ? ConditionOutcome.match(pool ? "codex-bridge.pool.endpoints is set" : "codex-bridge.pool.endpoints is not set")
                : ConditionOutcome.noMatch(pool ? "codex-bridge.pool.endpoints is set" : "codex-bridge.pool.endpoints is not set");
    }

    static final class Some extends PoolCondition {
        Some() {
            super(true);
        }
    }

    static final class None extends PoolCondition {
        None() {
            super(false);
        }
    }
}
