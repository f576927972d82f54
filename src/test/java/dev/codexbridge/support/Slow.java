package dev.codexbridge.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class allowed to take more than a minute ({@link SlowClassCheck}), with the reason:
 * a budget that is spent on purpose is written down where the time is spent.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("slow")
public @interface Slow {
    /** Why this class needs the time (what it runs, at what scale). */
    String value();
}
