package dev.codexbridge.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request method of the protocol with its params and result types ({@link Void} params: the
 * method takes none). {@code experimental}: codex refuses it unless {@code initialize} set
 * {@code capabilities.experimentalApi}.
 */
public record RequestMethod<P, R>(String method, Class<P> paramsType, Class<R> resultType, boolean experimental) {
    /** Method name → method, in the order of {@code all}. */
    public static Map<String, RequestMethod<?, ?>> byMethod(List<RequestMethod<?, ?>> all) {
        Map<String, RequestMethod<?, ?>> out = new LinkedHashMap<>();
        for (RequestMethod<?, ?> m : all) {
            if (out.put(m.method(), m) != null) {
                throw new IllegalStateException("duplicate method " + m.method());
            }
        }
        return Collections.unmodifiableMap(out);
    }
}
