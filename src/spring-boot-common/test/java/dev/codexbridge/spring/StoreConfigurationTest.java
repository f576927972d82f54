package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.DiskConversationStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The beans of {@code codex-bridge.store.*}: none without a type, a disk store and the storage
 * every session uses with one, the properties reaching the storage, and the application's own
 * store winning. No codex: the codex beans are a pool on a port nothing listens on, made without
 * connecting.
 */
class StoreConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CodexBridgeAutoConfiguration.class))
            .withPropertyValues("codex-bridge.pool.endpoints.a.url=ws://127.0.0.1:1");

    @TempDir
    Path tmp;

    @Test
    void noStoreUnlessATypeIsSet() {
        runner.run(c -> {
            assertThat(c).hasNotFailed().hasSingleBean(CodexSessions.class);
            assertThat(c).doesNotHaveBean(ConversationStore.class).doesNotHaveBean(ConversationStorage.class);
        });
        runner.withPropertyValues("codex-bridge.store.type=none")
                .run(c -> assertThat(c).hasNotFailed().doesNotHaveBean(ConversationStore.class).doesNotHaveBean(ConversationStorage.class));
    }

    @Test
    void aDiskStoreWithTheDefaultsOfItsStorage() {
        String[] disk = {"codex-bridge.store.type=disk", "codex-bridge.store.disk.path=" + tmp.resolve("store")};
        String[] holders = new String[2];
        for (int i = 0; i < 2; i++) {
            int instance = i;
            runner.withPropertyValues(disk).run(c -> {
                assertThat(c).hasNotFailed().hasSingleBean(ConversationStore.class).hasSingleBean(ConversationStorage.class);
                assertThat(c.getBean(ConversationStore.class)).isInstanceOf(DiskConversationStore.class);
                ConversationStorage storage = c.getBean(ConversationStorage.class);
                assertThat(storage.store()).isSameAs(c.getBean(ConversationStore.class));
                assertThat(storage.leaseTime()).isEqualTo(ConversationStorage.DOORS_LEASE);
                assertThat(storage.exportAfterEachTurn()).isTrue();
                assertThat(storage.owner()).as("each session names its own").isNull();
                holders[instance] = storage.holder();
            });
        }
        assertThat(holders[0]).isNotBlank().as("a holder per start").isNotEqualTo(holders[1]);
        assertThat(tmp.resolve("store")).isDirectory();
    }

    @Test
    void theStoragePropertiesReachTheStorage() {
        runner.withPropertyValues("codex-bridge.store.type=DISK", "codex-bridge.store.disk.path=" + tmp.resolve("store"),
                        "codex-bridge.store.holder=replica-a", "codex-bridge.store.lease-time=90s", "codex-bridge.store.after-each-turn=false")
                .run(c -> {
                    assertThat(c).hasNotFailed();
                    ConversationStorage storage = c.getBean(ConversationStorage.class);
                    assertThat(storage.holder()).isEqualTo("replica-a");
                    assertThat(storage.leaseTime()).isEqualTo(Duration.ofSeconds(90));
                    assertThat(storage.exportAfterEachTurn()).isFalse();
                });
    }

    @Test
    void theApplicationsOwnStoreWinsAndGetsTheStorage() {
        ConversationStore own = DiskConversationStore.open(tmp.resolve("own"));
        runner.withBean(ConversationStore.class, () -> own)
                .run(c -> {
                    assertThat(c).hasNotFailed().hasSingleBean(ConversationStore.class);
                    assertThat(c.getBean(ConversationStorage.class).store()).isSameAs(own);
                });
        ConversationStore other = DiskConversationStore.open(tmp.resolve("other"));
        runner.withPropertyValues("codex-bridge.store.type=disk", "codex-bridge.store.disk.path=" + tmp.resolve("unused"))
                .withBean(ConversationStore.class, () -> other)
                .run(c -> {
                    assertThat(c).hasNotFailed().hasSingleBean(ConversationStore.class);
                    assertThat(c.getBean(ConversationStorage.class).store()).isSameAs(other);
                    assertThat(tmp.resolve("unused")).doesNotExist();
                });
    }

    @Test
    void theStoresHealthIsUpWhileItsFolderIsThereAndDownOnceItIsGone() {
        Path folder = tmp.resolve("store");
        runner.withPropertyValues("codex-bridge.store.type=disk", "codex-bridge.store.disk.path=" + folder).run(c -> {
            Object indicator = c.getBean("codexStoreHealthContributor");
            assertThat(health(indicator)).isEqualTo("UP {store=disk, state=answering}");
            try (Stream<Path> all = Files.walk(folder)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(health(indicator))
                    .isEqualTo("DOWN {store=disk, state=unavailable, reason=the store's check failed (the application's log says why)}"));
            Files.createDirectories(folder);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(health(indicator)).isEqualTo("UP {store=disk, state=answering}"));
        });
    }

    @Test
    void theStoresHealthIsThereForTheApplicationsOwnStoreAndNotWithoutOneOrWhenTurnedOff() {
        ConversationStore own = DiskConversationStore.open(tmp.resolve("own"));
        runner.withBean(ConversationStore.class, () -> own).run(c -> assertThat(c).hasNotFailed().hasBean("codexStoreHealthContributor"));
        runner.run(c -> assertThat(c).hasNotFailed().doesNotHaveBean("codexStoreHealthContributor"));
        runner.withPropertyValues("codex-bridge.store.type=disk", "codex-bridge.store.disk.path=" + tmp.resolve("store"),
                "management.health.codexstore.enabled=false").run(c -> assertThat(c).hasNotFailed().doesNotHaveBean("codexStoreHealthContributor"));
        own.close();
    }

    /** The indicator's status and details, read through either Spring Boot generation's health types. */
    private static String health(Object indicator) throws ReflectiveOperationException {
        Object health = indicator.getClass().getMethod("health").invoke(indicator);
        return health.getClass().getMethod("getStatus").invoke(health) + " " + health.getClass().getMethod("getDetails").invoke(health);
    }
}
