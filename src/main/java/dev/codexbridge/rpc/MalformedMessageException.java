package dev.codexbridge.rpc;

/** Bytes read as a message that are not one JSON-RPC message. Counted and skipped by the peer, never fatal. */
class MalformedMessageException extends Exception {
    private static final long serialVersionUID = 1L;

    public MalformedMessageException(String message) {
        super(message, null, false, false);
    }
}
