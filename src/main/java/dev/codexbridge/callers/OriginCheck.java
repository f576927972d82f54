package dev.codexbridge.callers;

import java.net.URI;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which {@code Host} and {@code Origin} headers an HTTP front end answers, against DNS rebinding
 * and cross-site pages: a request whose {@code Host} is not one of the listener's names, or whose
 * {@code Origin} (when a browser sends one) is not the listener itself or an origin the host
 * allows, is refused before anything else — the token is not even looked at. {@code Origin: null}
 * (a sandboxed frame, a file) is refused unless listed. A listener on a loopback address answers
 * {@code localhost}, {@code 127.0.0.1} and {@code [::1]} at its port; one on a wildcard address
 * cannot know its names, so it checks {@code Host} only against the hosts listed (none listed:
 * any), and {@code Origin} still against its own port's loopback names and the allowed origins.
 */
public final class OriginCheck {
    private final Set<String> hosts;
    private final Set<String> origins;
    private final boolean anyHost;

    private OriginCheck(Set<String> hosts, Set<String> origins, boolean anyHost) {
        this.hosts = hosts;
        this.origins = origins;
        this.anyHost = anyHost;
    }

    /**
     * For a listener bound to {@code boundHost:port}, with the origins ({@code https://app.example})
     * and hosts ({@code api.example:8443}, as clients write {@code Host}) the host allows besides.
     */
    public static OriginCheck forListener(String boundHost, int port, Collection<String> allowedOrigins, Collection<String> allowedHosts) {
        Objects.requireNonNull(boundHost, "boundHost");
        Set<String> hosts = new LinkedHashSet<>();
        String bound = boundHost.toLowerCase(Locale.ROOT).replace("[", "").replace("]", "");
        boolean wildcard = bound.equals("0.0.0.0") || bound.equals("::") || bound.isEmpty();
        boolean loopback = bound.equals("localhost") || bound.startsWith("127.") || bound.equals("::1");
        if (loopback || wildcard) {
            hosts.add("localhost:" + port);
            hosts.add("127.0.0.1:" + port);
            hosts.add("[::1]:" + port);
        }
        if (!wildcard) {
            hosts.add((bound.contains(":") ? "[" + bound + "]" : bound) + ":" + port);
        }
        for (String h : allowedHosts) {
            hosts.add(h.toLowerCase(Locale.ROOT).strip());
        }
        Set<String> origins = new LinkedHashSet<>();
        for (String h : hosts) {
            origins.add("http://" + h);
            origins.add("https://" + h);
        }
        for (String o : allowedOrigins) {
            origins.add(trimSlash(o.strip().toLowerCase(Locale.ROOT)));
        }
        return new OriginCheck(Set.copyOf(hosts), Set.copyOf(origins), wildcard && allowedHosts.isEmpty());
    }

    /** Why a request with these headers is refused, or null when it may go on. */
    public @Nullable String refusal(@Nullable String host, @Nullable String origin) {
        if (!anyHost) {
            String h = host == null ? "" : host.strip().toLowerCase(Locale.ROOT);
            if (!hosts.contains(h) && !hosts.contains(withDefaultPort(h))) {
                return "this server does not answer for host " + printable(host);
            }
        }
        if (origin != null && !origins.contains(trimSlash(origin.strip().toLowerCase(Locale.ROOT)))) {
            return "requests from origin " + printable(origin) + " are not allowed";
        }
        return null;
    }

    /** A Host header without a port means the scheme's default; the listener's names carry theirs. */
    private static String withDefaultPort(String h) {
        return h.isEmpty() || h.endsWith("]") || h.lastIndexOf(':') > h.lastIndexOf(']') ? h : h + ":80";
    }

    private static String trimSlash(String o) {
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }

    private static String printable(@Nullable String s) {
        if (s == null) {
            return "(none)";
        }
        String cut = s.length() > 100 ? s.substring(0, 100) + "…" : s;
        try {
            // an origin is a URI; anything else is quoted as it came, without control characters
            return URI.create(cut).toString();
        } catch (IllegalArgumentException e) {
            return cut.replaceAll("\\p{Cntrl}", "?");
        }
    }
}
