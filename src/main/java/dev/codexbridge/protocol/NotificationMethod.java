package dev.codexbridge.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A notification method of the protocol with its params type. */
public record NotificationMethod<P>(String method, Class<P> paramsType) {
    /** Method name → method, in the order of {@code all}. */
    public static Map<String, NotificationMethod<?>> byMethod(List<NotificationMethod<?>> all) {
        Map<String, NotificationMethod<?>> out = new LinkedHashMap<>();
        for (NotificationMethod<?> m : all) {
            if (out.put(m.method(), m) != null) {
                throw new IllegalStateException("duplicate method " + m.method());
            }
        }
        return Collections.unmodifiableMap(out);
    }
}
