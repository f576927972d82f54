package dev.codexbridge.protocol;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Part of codex's experimental API surface only: codex refuses these methods, and ignores or
 * refuses these types and fields, unless {@code initialize} sets
 * {@code capabilities.experimentalApi = true}. They may change or vanish in any codex release.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER,
        ElementType.RECORD_COMPONENT})
public @interface Experimental {
}
