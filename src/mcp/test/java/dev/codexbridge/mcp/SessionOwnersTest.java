package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.mcp.SessionOwners.Use;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Who holds each MCP session and when it is over, on a clock the test moves. */
class SessionOwnersTest {
    private static final long LIFETIME = TimeUnit.MINUTES.toNanos(30);

    private final AtomicLong now = new AtomicLong();
    private final SessionOwners owners = new SessionOwners(2, LIFETIME, now::get);

    @Test
    void aSessionIsOverAfterItsLifetimeWithoutARequestAndHandedOutOnceToBeEnded() {
        owners.opened("alice", "s1");
        now.addAndGet(LIFETIME - 1);
        assertThat(owners.use("alice", "s1")).isEqualTo(Use.ENTERED);
        owners.left("s1");
        now.addAndGet(LIFETIME - 1);
        assertThat(owners.expired()).as("the lifetime counts from the last request's end").isEmpty();
        now.addAndGet(1);
        assertThat(owners.expired()).isEqualTo(Map.of("s1", "alice"));
        assertThat(owners.expired()).as("once").isEmpty();
        assertThat(owners.use("alice", "s1")).as("refused while the SDK ends it").isEqualTo(Use.REFUSED);
        owners.stillOpen("s1");
        assertThat(owners.use("alice", "s1")).as("the SDK failed to end it: still refused").isEqualTo(Use.REFUSED);
        assertThat(owners.expired()).as("handed out again").isEqualTo(Map.of("s1", "alice"));
        owners.ended("s1");
        assertThat(owners.use("alice", "s1")).isEqualTo(Use.UNKNOWN);
    }

    @Test
    void everyEndOfAKnownSessionIsToldOnce() {
        java.util.List<String> told = new java.util.ArrayList<>();
        SessionOwners listened = new SessionOwners(2, LIFETIME, now::get, told::add);
        listened.opened("alice", "s1");
        listened.opened("alice", "s2");
        listened.ended("s1");
        listened.ended("s1");
        listened.ended("never-given-out");
        now.addAndGet(LIFETIME);
        assertThat(listened.expired()).isEqualTo(Map.of("s2", "alice"));
        listened.ended("s2");
        assertThat(told).containsExactly("s1", "s2");
    }

    @Test
    void aRequestInFlightKeepsItsSessionHoweverLongItTakes() {
        owners.opened("alice", "s1");
        assertThat(owners.use("alice", "s1")).isEqualTo(Use.ENTERED);
        assertThat(owners.use("alice", "s1")).isEqualTo(Use.ENTERED);
        owners.left("s1");
        now.addAndGet(LIFETIME * 3);
        assertThat(owners.expired()).as("one of two requests is still in flight").isEmpty();
        owners.left("s1");
        assertThat(owners.expired()).as("the last one just ended").isEmpty();
        now.addAndGet(LIFETIME);
        assertThat(owners.expired()).containsOnlyKeys("s1");
    }

    @Test
    void aSessionIsItsPrincipalsAloneAndOnlyLiveOnesCount() {
        owners.opened("alice", "s1");
        owners.opened("alice", "s2");
        assertThat(owners.use("bob", "s1")).isEqualTo(Use.REFUSED);
        assertThat(owners.mayOpen("alice")).isFalse();
        assertThat(owners.mayOpen("bob")).isTrue();
        now.addAndGet(LIFETIME);
        assertThat(owners.use("alice", "s1")).as("over, not yet ended").isEqualTo(Use.REFUSED);
        assertThat(owners.mayOpen("alice")).as("sessions over do not count").isTrue();
    }
}
