package dev.codexbridge.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The library's per-conversation memory: at most its bound, the least recently used forgotten first. */
class RememberedTest {
    @Test
    void pastTheBoundTheLeastRecentlyUsedIsForgottenAndCounted() {
        Remembered<String, String> r = Remembered.atMost(3);
        r.put("a", "1");
        r.put("b", "2");
        r.put("c", "3");
        assertThat(r.get("a")).as("a read: used again").isEqualTo("1");
        r.put("d", "4");
        assertThat(r.get("b")).as("b: the least recently used").isNull();
        assertThat(r.get("a")).isEqualTo("1");
        r.put("c", "3'");
        r.put("e", "5");
        assertThat(r.get("d")).as("d: put before a and c were used again").isNull();
        assertThat(r.size()).isEqualTo(3);
        assertThat(r.forgotten()).isEqualTo(2);
        assertThat(r.get("c")).isEqualTo("3'");
    }

    @Test
    void whatIsRemovedIsNotCountedAsForgotten() {
        Remembered<String, String> r = Remembered.atMost(2);
        r.put("a", "x");
        r.put("b", "y");
        assertThat(r.remove("a", "other")).isFalse();
        assertThat(r.remove("a", "x")).isTrue();
        r.put("c", "x");
        r.removeValuesIf("x"::equals);
        assertThat(r.get("b")).isEqualTo("y");
        assertThat(r.size()).isEqualTo(1);
        assertThat(r.countValues("y"::equals)).isEqualTo(1);
        assertThat(r.replace("b", "z", "w")).isFalse();
        assertThat(r.replace("b", "y", "w")).isTrue();
        assertThat(r.get("b")).isEqualTo("w");
        assertThat(r.forgotten()).isZero();
    }

    @Test
    void aBoundBelowOneIsRefusedNamingIt() {
        assertThatThrownBy(() -> Remembered.atMost(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max");
        assertThatThrownBy(() -> Remembered.check(-1, "threadsRemembered")).hasMessageContaining("threadsRemembered");
    }
}
