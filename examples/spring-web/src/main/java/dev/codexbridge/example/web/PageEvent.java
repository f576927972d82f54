package dev.codexbridge.example.web;

import java.util.Map;

/**
 * One server-sent event for the page: {@code name} is the SSE event name the page listens for
 * ({@code delta}, {@code approval}, {@code turnCompleted}, …), {@code data} its JSON body.
 */
record PageEvent(long id, String name, Map<String, Object> data) {
}
