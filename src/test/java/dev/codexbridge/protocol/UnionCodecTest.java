package dev.codexbridge.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The generated unions and enums with Jackson as configured by {@link Json}. */
class UnionCodecTest {
    @Test
    void taggedVariantWritesItsTagAndReadsBack() {
        UserInput text = new UserInput.Text("hello", null);

        assertThat(Json.write(text)).isEqualTo("{\"text\":\"hello\",\"type\":\"text\"}");
        assertThat(Json.convert(Json.parse("{\"type\":\"text\",\"text\":\"hello\"}"), UserInput.class))
                .isEqualTo(text);
    }

    @Test
    void everyTaggedVariantOfEveryUnionRoundTrips() throws Exception {
        int checked = 0;
        for (Class<?> union : generatedUnions()) {
            for (Class<?> variant : union.getPermittedSubclasses()) {
                Method tag = tagAccessor(variant);
                if (tag == null || variant.getEnclosingClass() != union) {
                    continue;
                }
                Object instance = Records.of(variant, Map.of());
                JsonNode json = Json.tree(instance);
                String property = tag.getAnnotation(JsonProperty.class).value();
                assertThat(json.path(property).asText()).as("%s tag", variant.getName())
                        .isEqualTo(tag.invoke(instance));
                assertThat(Json.convert(json, union)).as(variant.getName()).isEqualTo(instance);
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(200);
    }

    @Test
    void unknownTagIsKeptAndWrittenBackByteForByte() {
        String wire = "{\"type\":\"hologram\",\"depth\":[1,2.5,{\"a\":null}],\"text\":\"x\"}";

        UserInput decoded = Json.convert(Json.parse(wire), UserInput.class);

        assertThat(decoded).isInstanceOf(UserInput.Unknown.class);
        assertThat(((UserInput.Unknown) decoded).raw()).isEqualTo(Json.parse(wire));
        assertThat(Json.write(decoded)).isEqualTo(wire);
    }

    @Test
    void knownTagWithAShapeThatDoesNotFitIsUnknownNotAnError() {
        String wire = "{\"type\":\"text\",\"text\":{\"not\":\"a string\"}}";

        assertThat(Json.convert(Json.parse(wire), UserInput.class)).isInstanceOf(UserInput.Unknown.class);
    }

    @Test
    void stringOrSingleKeyObjectDecision() {
        var amend = new CommandExecutionApprovalDecision.AcceptWithExecpolicyAmendment(
                new CommandExecutionApprovalDecision.AcceptWithExecpolicyAmendment.AcceptWithExecpolicyAmendmentValue(
                        List.of("git", "status")));
        String amendWire = "{\"acceptWithExecpolicyAmendment\":{\"execpolicy_amendment\":[\"git\",\"status\"]}}";

        assertThat(Json.write(CommandExecutionApprovalDecision.ACCEPT)).isEqualTo("\"accept\"");
        assertThat(Json.write(amend)).isEqualTo(amendWire);
        assertThat(Json.convert(Json.parse("\"accept\""), CommandExecutionApprovalDecision.class))
                .isEqualTo(CommandExecutionApprovalDecision.ACCEPT);
        assertThat(Json.convert(Json.parse(amendWire), CommandExecutionApprovalDecision.class)).isEqualTo(amend);
        assertThat(Json.convert(Json.parse("\"acceptLater\""), CommandExecutionApprovalDecision.class))
                .isEqualTo(new CommandExecutionApprovalDecision.Unknown(Json.parse("\"acceptLater\"")));
        assertThat(Json.write(new CommandExecutionRequestApprovalResponse(CommandExecutionApprovalDecision.DECLINE)))
                .isEqualTo("{\"decision\":\"decline\"}");
    }

    @Test
    void unionToldApartByJsonKind() {
        assertThat(Json.convert(Json.parse("\"req-1\""), RequestId.class)).isEqualTo(new RequestId.StringValue("req-1"));
        assertThat(Json.convert(Json.parse("7"), RequestId.class)).isEqualTo(new RequestId.IntegerValue(7L));
        assertThat(Json.write(new RequestId.IntegerValue(7L))).isEqualTo("7");
        assertThat(Json.convert(Json.parse("true"), RequestId.class)).isInstanceOf(RequestId.Unknown.class);
    }

    @Test
    void unknownEnumValueReadsAsUnknown() {
        assertThat(Json.convert(Json.parse("\"read-only\""), SandboxMode.class)).isEqualTo(SandboxMode.READ_ONLY);
        assertThat(Json.convert(Json.parse("\"sandbox-of-the-future\""), SandboxMode.class))
                .isEqualTo(SandboxMode.UNKNOWN);
        assertThat(Json.write(SandboxMode.WORKSPACE_WRITE)).isEqualTo("\"workspace-write\"");
    }

    @Test
    void nullUnionStaysNull() {
        ThreadStartParams params = Json.convert(Json.parse("{\"approvalPolicy\":null}"), ThreadStartParams.class);

        assertThat(params.approvalPolicy()).isNull();
        assertThat(Json.write(params)).isEqualTo("{}");
    }

    static List<Class<?>> generatedUnions() throws IOException, ClassNotFoundException {
        List<Class<?>> out = new ArrayList<>();
        Path dir = Paths.get("src/main/java/dev/codexbridge/protocol");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString().replace(".java", "");
                if (name.equals("package-info")) {
                    continue;
                }
                Class<?> type = Class.forName("dev.codexbridge.protocol." + name);
                if (type.isInterface() && type.isSealed()
                        && Stream.of(type.getDeclaredClasses()).anyMatch(c -> c.getSimpleName().equals("Codec"))) {
                    out.add(type);
                }
            }
        }
        return out;
    }

    private static Method tagAccessor(Class<?> variant) {
        if (!variant.isRecord()) {
            return null;
        }
        for (Method m : variant.getDeclaredMethods()) {
            boolean component = Stream.of(variant.getRecordComponents()).anyMatch(c -> c.getAccessor().equals(m));
            if (!component && m.isAnnotationPresent(JsonProperty.class) && Modifier.isPublic(m.getModifiers())) {
                return m;
            }
        }
        return null;
    }
}
