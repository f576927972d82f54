package dev.codexbridge.architecture.circle.internal;

import dev.codexbridge.architecture.circle.CircleFace;

/** The other half of {@link CircleFace}'s circle: machinery that reaches back to its face. */
public final class CircleMachinery {
    private CircleMachinery() {
    }

    /** Its name, and its face's. */
    public static String name() {
        return CircleMachinery.class.getSimpleName() + " of " + CircleFace.class.getSimpleName();
    }
}
