package dev.codexbridge.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.MarkerFactory;
import org.slf4j.spi.LocationAwareLogger;

/** The library's logger: lines made safe whole, arguments never read as patterns, callers' locations kept. */
class SafeLoggerTest {
    /** One call the wrapped logger received: its method name and arguments. */
    private record Call(String method, List<Object> args) {
    }

    /** A logger of {@code type} (enabled at every level) that records what it is given. */
    private static <T extends Logger> T recording(Class<T> type, List<Call> calls) {
        return type.cast(Proxy.newProxyInstance(SafeLoggerTest.class.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> {
                    if (method.getName().startsWith("is")) {
                        return true;
                    }
                    if (method.getName().equals("getName")) {
                        return "recording";
                    }
                    calls.add(new Call(method.getName(), args == null ? List.of() : Arrays.asList(args)));
                    return null;
                }));
    }

    @Test
    void aLineIsFormattedThenMadeSafeAndPassedOnWithoutArguments() {
        List<Call> calls = new ArrayList<>();
        Logger log = new SafeLogger(recording(Logger.class, calls));
        log.warn("[{}] duplicate request {} ({}) ignored", "peer", "id\u001b[2J{}", "Bearer abcdef123456\r\nforged");
        assertThat(calls).singleElement().satisfies(c -> {
            assertThat(c.method()).isEqualTo("warn");
            assertThat(c.args()).containsExactly("[peer] duplicate request id\\u001b[2J{} (Bearer ***\\r\\nforged) ignored", null);
        });
    }

    @Test
    void aLastThrowableArgumentIsTheThrowableAndIsShownSafely() {
        List<Call> calls = new ArrayList<>();
        Logger log = new SafeLogger(recording(Logger.class, calls));
        IOException clean = new IOException("plain");
        IOException hostile = new IOException("bad\u202eline");
        log.error("handler for {} failed", "m", clean);
        log.info(MarkerFactory.getMarker("M"), "reader failed", hostile);
        assertThat(calls.get(0).args()).containsExactly("handler for m failed", clean);
        assertThat(calls.get(1).method()).isEqualTo("info");
        assertThat(calls.get(1).args().get(0)).hasToString("M");
        assertThat(calls.get(1).args().get(1)).isEqualTo("reader failed");
        assertThat(calls.get(1).args().get(2)).hasToString("java.io.IOException: bad\\u202eline");
    }

    @Test
    void aLocationAwareLoggerIsToldWhereTheLibrarysFramesEnd() {
        List<Call> calls = new ArrayList<>();
        Logger log = new SafeLogger(recording(LocationAwareLogger.class, calls));
        log.debug("thread {} ready", "t\u0007");
        assertThat(calls).singleElement().satisfies(c -> {
            assertThat(c.method()).isEqualTo("log");
            assertThat(c.args()).containsExactly(null, SafeLogger.class.getName(), LocationAwareLogger.DEBUG_INT,
                    "thread t\\u0007 ready", null, null);
        });
    }

    @Test
    void nothingIsFormattedForALevelThatIsOff() {
        List<Call> calls = new ArrayList<>();
        Logger off = (Logger) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> method.getName().startsWith("is") ? false : calls.add(new Call(method.getName(), List.of())));
        Object loud = new Object() {
            @Override
            public String toString() {
                throw new AssertionError("formatted although the level is off");
            }
        };
        new SafeLogger(off).trace("{}", loud);
        new SafeLogger(off).debug("{} {}", loud, loud);
        assertThat(calls).isEmpty();
    }

    /** Every logger of the library comes from {@link SafeLogger}: no line can skip it. */
    @Test
    void theLibraryLogsOnlyThroughTheSafeLogger() throws IOException {
        List<Path> direct;
        try (Stream<Path> files = Stream.of(Path.of("src/main/java"), Path.of("src/migration/java"))
                .flatMap(SafeLoggerTest::walk)) {
            direct = files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> !f.endsWith(Path.of("dev/codexbridge/internal/SafeLogger.java")))
                    .filter(f -> {
                        try {
                            String text = Files.readString(f);
                            return text.contains("LoggerFactory") || text.contains("System.Logger")
                                    || text.contains("java.util.logging");
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }).toList();
        }
        assertThat(direct).as("files that make a logger of their own").isEmpty();
    }

    private static Stream<Path> walk(Path root) {
        try {
            return Files.walk(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
