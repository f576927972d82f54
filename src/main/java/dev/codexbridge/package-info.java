/**
 * What every layer shares: {@link dev.codexbridge.CodexException}, the unchecked root of every
 * exception the library throws, so a host can catch one type at its boundary, and
 * {@link dev.codexbridge.BuildInfo}, the library's version and the pinned codex version the build
 * recorded. Depends on nothing else in the library; every package may depend on it.
 */
package dev.codexbridge;
