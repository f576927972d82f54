package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The operator's keys (decision 0104): what one seals opens only with a key it was given and only
 * for the record it was sealed for; a changed byte, another record, an unknown key or a clear
 * value is a refusal that says why and names neither the value nor the key; the first key seals,
 * every key opens.
 */
class SealingKeysTest {
    private static final byte[] RECORD = SealingKeys.record("codex-bridge a2a push config", "alice", "task-1", "p1");
    private static final String SECRET = "Bearer hook-credential-4711";

    private static byte[] secret() {
        return SECRET.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void whatOneKeySealsOpensForItsRecordAndShowsNoneOfItsBytes() {
        SealingKeys keys = SealingKeys.parse(SealingKeys.newKey());
        String sealed = keys.seal(secret(), RECORD);
        assertThat(sealed).startsWith("sealed:1:" + keys.sealingKeyId() + ":").doesNotContain(SECRET).doesNotContain("hook-credential")
                .doesNotContain(Base64.getEncoder().encodeToString(secret())).doesNotContain(Base64.getUrlEncoder().encodeToString(secret()));
        assertThat(new String(keys.open(sealed, RECORD), StandardCharsets.UTF_8)).isEqualTo(SECRET);
        assertThat(keys.seal(secret(), RECORD)).as("a fresh nonce each time").isNotEqualTo(sealed);
    }

    @Test
    void aChangedByteAnotherRecordOrAnotherKeyIsARefusalThatSaysWhy() {
        SealingKeys keys = SealingKeys.parse(SealingKeys.newKey());
        String sealed = keys.seal(secret(), RECORD);
        int body = sealed.lastIndexOf(':') + 1;
        Set<String> refusals = new HashSet<>();
        for (int i = body; i < sealed.length(); i++) {
            char c = sealed.charAt(i);
            String changed = sealed.substring(0, i) + (c == 'A' ? 'B' : 'A') + sealed.substring(i + 1);
            try {
                keys.open(changed, RECORD);
                // the last character of unpadded base64 may carry bits the decoder drops: then it is the same value
                assertThat(i).as("a changed byte at %d opened", i).isEqualTo(sealed.length() - 1);
            } catch (SealingKeys.Unopened e) {
                refusals.add(e.getMessage());
            }
        }
        assertThat(refusals).containsExactly("it does not open with key " + keys.sealingKeyId() + ": it was changed, or sealed for another record");

        for (byte[] other : new byte[][] {SealingKeys.record("codex-bridge a2a push config", "bob", "task-1", "p1"),
                SealingKeys.record("codex-bridge a2a push config", "alice", "task-2", "p1"),
                SealingKeys.record("codex-bridge a2a push config", "alice", "task-1", "p2"),
                SealingKeys.record("codex-bridge a2a push config", "alice", "task-1p", "1")}) {
            assertThatThrownBy(() -> keys.open(sealed, other)).as("moved onto another record").isInstanceOf(SealingKeys.Unopened.class)
                    .hasMessageContaining("sealed for another record");
        }
        assertThatThrownBy(() -> keys.open(sealed.substring(0, body + 20), RECORD)).isInstanceOf(SealingKeys.Unopened.class)
                .hasMessage("it is too short to be sealed");
        assertThatThrownBy(() -> keys.open(sealed + "!", RECORD)).isInstanceOf(SealingKeys.Unopened.class)
                .hasMessage("its sealed bytes are not base64");

        SealingKeys another = SealingKeys.parse(SealingKeys.newKey());
        assertThatThrownBy(() -> another.open(sealed, RECORD)).isInstanceOf(SealingKeys.Unopened.class)
                .hasMessage("it was sealed with key " + keys.sealingKeyId() + ", which this server was not given (its keys: "
                        + another.sealingKeyId() + ")");
        assertThatThrownBy(() -> keys.open("{\"url\":\"https://hooks.example\",\"token\":\"t\"}", RECORD))
                .isInstanceOf(SealingKeys.Unopened.class).hasMessage("it is in clear text, as releases before sealing kept it");
        assertThatThrownBy(() -> keys.open("sealed:9:abc", RECORD)).isInstanceOf(SealingKeys.Unopened.class)
                .hasMessage("it is not a sealed value this release reads");
    }

    @Test
    void theFirstKeySealsAndEveryKeyOpensSoAKeyRotates() {
        String oldKey = SealingKeys.newKey();
        String newKey = SealingKeys.newKey();
        SealingKeys before = SealingKeys.parse(oldKey);
        SealingKeys during = SealingKeys.parse("# rotated today\n" + newKey + "\n\n" + oldKey + "   # until nothing sealed with it is left\n");
        SealingKeys after = SealingKeys.parse(newKey);
        String old = before.seal(secret(), RECORD);
        String fresh = during.seal(secret(), RECORD);

        assertThat(during.keyIds()).containsExactly(after.sealingKeyId(), before.sealingKeyId());
        assertThat(fresh).startsWith("sealed:1:" + after.sealingKeyId() + ":");
        assertThat(during.open(old, RECORD)).isEqualTo(secret());
        assertThat(during.open(fresh, RECORD)).isEqualTo(secret());
        assertThat(after.open(fresh, RECORD)).isEqualTo(secret());
        assertThatThrownBy(() -> after.open(old, RECORD)).hasMessageContaining("sealed with key " + before.sealingKeyId());
        assertThatThrownBy(() -> before.open(fresh, RECORD)).hasMessageContaining("sealed with key " + after.sealingKeyId());
        assertThat(SealingKeys.parse(newKey + "," + oldKey).keyIds()).isEqualTo(during.keyIds());
    }

    @Test
    void aKeyThatIsNotThirtyTwoBytesOfBase64IsRefusedWithoutBeingShown() {
        String shortKey = Base64.getEncoder().encodeToString("sixteen byte key".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> SealingKeys.parse(shortKey)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sealing key 1 is 16 bytes; an AES-256 key is 32 (make one with: openssl rand -base64 32)")
                .hasMessageNotContaining(shortKey);
        String key = SealingKeys.newKey();
        assertThatThrownBy(() -> SealingKeys.parse(key + "\nnot*base64")).hasMessage(
                "sealing key 2 is not base64 (make one with: openssl rand -base64 32)");
        assertThatThrownBy(() -> SealingKeys.parse(" # nothing\n")).hasMessageStartingWith("no sealing key given");
        assertThatThrownBy(() -> SealingKeys.parse(key + " " + key)).hasMessageEndingWith("is given twice").hasMessageNotContaining(key);
        SealingKeys keys = SealingKeys.parse(key);
        assertThat(keys.toString()).isEqualTo("SealingKeys[" + keys.sealingKeyId() + "]").doesNotContain(key);
        assertThat(keys.sealingKeyId()).matches("[0-9a-f]{8}");
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(Base64.getDecoder().decode(key));
        assertThat(SealingKeys.parse(urlSafe).sealingKeyId()).as("the same key, URL-safe").isEqualTo(keys.sealingKeyId());
    }
}
