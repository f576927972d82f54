/**
 * The one configured Jackson mapper ({@link dev.codexbridge.json.Json}) and
 * {@link dev.codexbridge.json.JsonFormatException}. One mapper so that every layer reads
 * tolerantly (codex adds fields and enum values between releases) and writes the same compact,
 * deterministic JSON. Depends on Jackson and {@code dev.codexbridge.internal} only; any package
 * may use it.
 */
@NullMarked
package dev.codexbridge.json;

import org.jspecify.annotations.NullMarked;
