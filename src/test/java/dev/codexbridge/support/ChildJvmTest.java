package dev.codexbridge.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A JVM a test starts runs with the JIT and collector of the test JVM (decision 0059), its classes mapped from an archive. */
class ChildJvmTest {

    @Test
    void aChildJvmCompilesAndCollectsAsThisOneDoes() throws Exception {
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(), Child.class.getName()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String said = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(said).isEqualTo(Child.settings());
    }

    @Test
    void aChildOfThisClassPathMapsItsLibrariesFromTheClassArchive() throws Exception {
        List<String> command = ChildJvm.command();
        assertThat(command).anySatisfy(a -> assertThat(a).startsWith("-XX:SharedArchiveFile="));
        command.addAll(List.of("-Xlog:class+load=info:stdout", "-cp", ChildJvm.classPath(), LoadsJackson.class.getName()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String said = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(said.lines().filter(l -> l.contains("com.fasterxml.jackson.databind.ObjectMapper ")))
                .as("how the child loaded Jackson's ObjectMapper").singleElement().asString().contains("source: shared objects file");
    }

    /** Loads what every child of the suite loads. */
    public static final class LoadsJackson {
        public static void main(String[] args) {
            System.out.println(new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode());
        }
    }

    /** Prints the settings the flags decide. */
    public static final class Child {
        public static void main(String[] args) {
            System.out.println(settings());
        }

        static String settings() {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return "TieredStopAtLevel=" + vm.getVMOption("TieredStopAtLevel").getValue()
                    + " UseSerialGC=" + vm.getVMOption("UseSerialGC").getValue();
        }
    }
}
