/**
 * What every layer shares: {@link dev.codexbridge.CodexException}, the unchecked root of every
 * exception the library throws, so a host can catch one type at its boundary, and
 * {@link dev.codexbridge.BuildInfo}, the library's version and the pinned codex version the build
 * recorded. Depends on nothing else in the library; every package may depend on it.
 *
 * <p>Every public package is {@code @NullMarked} (JSpecify): a parameter, return value or record
 * component is never null unless it says {@code @Nullable}. The generated protocol types
 * ({@code dev.codexbridge.protocol}) and the {@code internal} packages are not marked.
 */
@NullMarked
package dev.codexbridge;

import org.jspecify.annotations.NullMarked;
