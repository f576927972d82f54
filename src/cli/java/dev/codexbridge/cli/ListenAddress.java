package dev.codexbridge.cli;

/** A door's {@code --listen HOST:PORT}: the host (brackets of an IPv6 literal taken off) and the port. */
record ListenAddress(String host, int port) {
    static ListenAddress parse(String listen) {
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("--listen must be HOST:PORT, not '" + listen + "'");
        }
        try {
            return new ListenAddress(listen.substring(0, colon).replace("[", "").replace("]", ""),
                    Integer.parseInt(listen.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--listen must end with a port number, not '" + listen + "'");
        }
    }
}
