package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The contract of a store's send records ({@link SendRecords}; decision 0117): one claim of a key
 * among hosts asking at once, a copy finding the first's record, one answer kept, a hold that
 * lapses unless renewed, a release that makes the key new, each principal's keys its own, and the
 * window and the count that bound them — on every store's records, between two hosts sharing the
 * storage.
 */
interface StoreSendsContract extends StoreContract {
    Duration HOLD = Duration.ofSeconds(6);
    Duration WINDOW = Duration.ofHours(24);

    /** The records of a new host on the shared storage, on {@code clock}. */
    default SendRecords sends(MutableClock clock, Duration window, int max) {
        return store().open(StoreLimits.DEFAULTS, clock).sendRecords(window, max).orElseThrow();
    }

    private static SendKey key(String principal) {
        return new SendKey("openai", principal, "key-" + UUID.randomUUID());
    }

    @Test
    default void aKeyIsClaimedOnceAndACopyFindsTheFirstsOneAnswer() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        SendRecords first = sends(clock, WINDOW, 100);
        SendRecords other = sends(clock, WINDOW, 100);
        SendKey key = key("alice");

        SendClaim.Claimed mine = (SendClaim.Claimed) first.claim(key, "fp-1", "host-a", HOLD);
        SendRecord running = ((SendClaim.Found) other.claim(key, "fp-1", "host-b", HOLD)).record();
        assertThat(running.answered()).isFalse();
        assertThat(running.lapsed()).isFalse();
        assertThat(running.holder()).isEqualTo("host-a");
        assertThat(running.fingerprint()).isEqualTo("fp-1");

        assertThat(other.settle(key, "another-token", "{\"theirs\":1}")).as("not the claim's token").isFalse();
        assertThat(first.settle(key, mine.token(), "{\"answer\":\"é ✓\"}")).isTrue();
        assertThat(first.settle(key, mine.token(), "{\"answer\":2}")).as("the answer stays the first").isFalse();
        assertThat(first.renew(key, mine.token(), HOLD)).as("an answered record is held no more").isFalse();
        first.release(key, mine.token());
        SendRecord answered = ((SendClaim.Found) other.claim(key, "fp-2", "host-b", HOLD)).record();
        assertThat(answered.outcome()).isEqualTo("{\"answer\":\"é ✓\"}");
        assertThat(answered.fingerprint()).as("a copy compares it with its own").isEqualTo("fp-1");
        assertThat(other.find(key)).hasValue(answered);
        assertThatThrownBy(() -> first.settle(key, mine.token(), "a\u0000b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    default void ofHostsClaimingAKeyAtOnceExactlyOneGetsIt() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        int hosts = 4;
        List<SendRecords> records = new ArrayList<>();
        for (int h = 0; h < hosts; h++) {
            records.add(sends(clock, WINDOW, 1000));
        }
        CyclicBarrier start = new CyclicBarrier(hosts);
        ExecutorService threads = Executors.newFixedThreadPool(hosts);
        try {
            for (int round = 0; round < 50; round++) {
                SendKey key = key("alice");
                List<Future<SendClaim>> claims = new ArrayList<>();
                for (int h = 0; h < hosts; h++) {
                    SendRecords host = records.get(h);
                    String name = "host-" + h;
                    claims.add(threads.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        return host.claim(key, "fp", name, HOLD);
                    }));
                }
                int won = 0;
                for (Future<SendClaim> c : claims) {
                    won += c.get(30, TimeUnit.SECONDS) instanceof SendClaim.Claimed ? 1 : 0;
                }
                assertThat(won).as("round %d", round).isOne();
            }
        } finally {
            threads.shutdownNow();
            assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    default void aHoldNotRenewedLapsesAndACopySettlesItOnce() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        SendRecords first = sends(clock, WINDOW, 100);
        SendRecords other = sends(clock, WINDOW, 100);
        SendKey key = key("alice");
        SendClaim.Claimed mine = (SendClaim.Claimed) first.claim(key, "fp", "host-a", HOLD);

        clock.advance(Duration.ofSeconds(4));
        assertThat(first.renew(key, mine.token(), HOLD)).isTrue();
        clock.advance(Duration.ofSeconds(4));
        assertThat(other.find(key)).hasValueSatisfying(r -> assertThat(r.lapsed()).as("renewed 4 s ago").isFalse());
        clock.advance(Duration.ofSeconds(3));
        SendRecord lapsed = other.find(key).orElseThrow();
        assertThat(lapsed.lapsed()).as("held 6 s, renewed 7 s ago").isTrue();
        assertThat(((SendClaim.Found) other.claim(key, "fp", "host-b", HOLD)).record().lapsed()).as("a lapsed claim is not claimed again")
                .isTrue();

        assertThat(other.settle(key, lapsed.token(), "{\"unknown\":true}")).isTrue();
        assertThat(first.settle(key, mine.token(), "{\"late\":true}")).as("the holder's late answer").isFalse();
        assertThat(first.find(key)).hasValueSatisfying(r -> {
            assertThat(r.outcome()).isEqualTo("{\"unknown\":true}");
            assertThat(r.lapsed()).isFalse();
        });
    }

    @Test
    default void aReleasedKeyIsNewAgainAndEachPrincipalsKeysAreItsOwn() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        SendRecords first = sends(clock, WINDOW, 100);
        SendRecords other = sends(clock, WINDOW, 100);
        SendKey alices = key("alice");
        SendKey bobs = new SendKey("openai", "bob", alices.key());
        SendKey odd = new SendKey("mcp", "al\u0000ice \"quoted\" ✓", alices.key());

        SendClaim.Claimed mine = (SendClaim.Claimed) first.claim(alices, "fp", "host-a", HOLD);
        assertThat(other.claim(bobs, "fp", "host-b", HOLD)).as("bob's key of the same text").isInstanceOf(SendClaim.Claimed.class);
        assertThat(other.claim(odd, "fp", "host-b", HOLD)).as("another scope, a principal of any text").isInstanceOf(SendClaim.Claimed.class);
        assertThat(other.find(odd)).hasValueSatisfying(r -> assertThat(r.key()).isEqualTo(odd));
        assertThat(other.claim(alices, "fp", "host-b", HOLD)).isInstanceOf(SendClaim.Found.class);

        other.release(alices, "not-the-token");
        assertThat(other.find(alices)).isPresent();
        first.release(alices, mine.token());
        assertThat(other.find(alices)).isEmpty();
        assertThat(other.claim(alices, "fp", "host-b", HOLD)).as("nothing ran: a copy runs it").isInstanceOf(SendClaim.Claimed.class);
        assertThat(first.find(bobs)).isPresent();
    }

    @Test
    default void aRecordIsKeptForTheWindowAndTheCountKeepsTheNewest() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        SendRecords records = sends(clock, Duration.ofHours(1), 5);
        SendKey old = key("alice");
        SendClaim.Claimed claimed = (SendClaim.Claimed) records.claim(old, "fp", "host-a", HOLD);
        records.settle(old, claimed.token(), "{\"answer\":1}");
        clock.advance(Duration.ofMinutes(59));
        assertThat(records.find(old)).hasValueSatisfying(r -> assertThat(r.outcome()).isEqualTo("{\"answer\":1}"));
        clock.advance(Duration.ofMinutes(2));
        assertThat(records.find(old)).as("past the window").isEmpty();
        assertThat(records.claim(old, "fp-again", "host-a", HOLD)).as("the key is new again").isInstanceOf(SendClaim.Claimed.class);

        // a hundred and more new claims, a second apart: a store checking its count does so at least every hundred
        List<SendKey> keys = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            clock.advance(Duration.ofSeconds(1));
            SendKey k = key("alice");
            keys.add(k);
            records.claim(k, "fp", "host-a", HOLD);
        }
        assertThat(records.find(keys.get(0))).as("the oldest, beyond the count").isEmpty();
        assertThat(records.find(keys.get(keys.size() - 1))).as("the newest").isPresent();
        long kept = keys.stream().filter(k -> records.find(k).isPresent()).count();
        assertThat(kept).isBetween(5L, 5L + 100);
    }
}
