package dev.codexbridge.architecture.circle;

import dev.codexbridge.architecture.circle.internal.CircleMachinery;

/**
 * One half of a circle on purpose: a face whose machinery calls it back. Only
 * {@code ArchitectureTest.aCircleThroughAnInternalPackageBreaksTheRule} imports it.
 */
public final class CircleFace {
    private CircleFace() {
    }

    /** The machinery's name, through the machinery. */
    public static String machinery() {
        return CircleMachinery.name();
    }
}
