package dev.codexbridge.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Leaves a free-form ({@link JsonNode}) component out when it holds JSON {@code null}, as records
 * leave out every other null component: Jackson reads an absent or null {@code JsonNode} property as
 * a {@code NullNode}, which {@code NON_NULL} alone would write back as {@code null}.
 */
public final class JsonNullFilter {
    /** Jackson's {@code JsonInclude.Include.CUSTOM} contract: {@code true} means "leave out". */
    @Override
    public boolean equals(Object value) {
        return value == null || (value instanceof JsonNode node && (node.isNull() || node.isMissingNode()));
    }

    @Override
    public int hashCode() {
        return 0;
    }
}
