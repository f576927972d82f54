package dev.codexbridge.readme;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.pool.EndpointState;
import dev.codexbridge.store.DiskConversationStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Kubernetes manifests in docs/deploy parse, and their parts fit together. */
class DeployManifestsTest {
    private static final Path DEPLOY = Paths.get("docs/deploy");

    private static List<JsonNode> documents(String file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = new YAMLMapper().readerFor(JsonNode.class).readValues(DEPLOY.resolve(file).toFile())) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    private static JsonNode kind(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).findFirst().orElseThrow();
    }

    @Test
    void everyManifestIsKubernetesShapedYaml() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(DEPLOY)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(2);
        for (Path f : files) {
            for (JsonNode doc : documents(f.getFileName().toString())) {
                assertThat(doc.path("apiVersion").asText()).as(f + " apiVersion").isNotBlank();
                assertThat(doc.path("kind").asText()).as(f + " kind").isNotBlank();
                assertThat(doc.path("metadata").path("name").asText()).as(f + " metadata.name").isNotBlank();
            }
        }
    }

    @Test
    void theDeploymentListensWithATokenIsProbedAndKeepsCodexHomeOnAnEmptyDir() throws IOException {
        List<JsonNode> docs = documents("codex-app-server.yaml");
        assertThat(docs).extracting(d -> d.path("kind").asText()).containsExactly("Service", "Deployment");
        JsonNode service = kind(docs, "Service");
        JsonNode set = kind(docs, "Deployment");
        assertThat(service.path("spec").path("clusterIP").asText()).as("headless: DNS names every ready pod").isEqualTo("None");
        assertThat(service.path("spec").path("publishNotReadyAddresses").asBoolean(true)).isFalse();
        assertThat(set.path("spec").path("replicas").asInt()).isEqualTo(3);
        assertThat(set.path("spec").has("volumeClaimTemplates")).as("no volume outlives a pod").isFalse();
        assertThat(set.path("spec").path("strategy").path("rollingUpdate").path("maxUnavailable").asInt(-1)).isZero();
        JsonNode labels = set.path("spec").path("template").path("metadata").path("labels");
        set.path("spec").path("selector").path("matchLabels").fields().forEachRemaining(e ->
                assertThat(labels.path(e.getKey()).asText()).as("the Deployment selects its pods").isEqualTo(e.getValue().asText()));
        service.path("spec").path("selector").fields().forEachRemaining(e ->
                assertThat(labels.path(e.getKey()).asText()).as("the Service selects the pods").isEqualTo(e.getValue().asText()));
        assertThat(service.path("spec").path("ports").get(0).path("port").asInt()).isEqualTo(4500);

        JsonNode pod = set.path("spec").path("template").path("spec");
        JsonNode codex = pod.path("containers").get(0);
        List<String> args = new ArrayList<>();
        codex.path("args").forEach(a -> args.add(a.asText()));
        assertThat(args).containsSubsequence("--listen", "ws://0.0.0.0:4500")
                .containsSubsequence("--ws-auth", "capability-token");
        String tokenFile = args.get(args.indexOf("--ws-token-file") + 1);

        assertThat(codex.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/readyz");
        assertThat(codex.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/healthz");
        assertThat(codex.path("ports").get(0).path("containerPort").asInt()).isEqualTo(4500);

        String codexHome = null;
        for (JsonNode env : codex.path("env")) {
            if (env.path("name").asText().equals("CODEX_HOME")) {
                codexHome = env.path("value").asText();
            }
        }
        String emptyDir = null;
        String secretVolume = null;
        for (JsonNode v : pod.path("volumes")) {
            if (v.path("secret").path("secretName").asText().equals("codex-app-server-auth")) {
                secretVolume = v.path("name").asText();
            }
            if (v.has("emptyDir")) {
                emptyDir = v.path("name").asText();
            }
        }
        boolean homeMounted = false;
        boolean tokenMounted = false;
        for (JsonNode m : codex.path("volumeMounts")) {
            homeMounted |= m.path("name").asText().equals(emptyDir) && m.path("mountPath").asText().equals(codexHome);
            tokenMounted |= m.path("name").asText().equals(secretVolume) && tokenFile.startsWith(m.path("mountPath").asText() + "/");
        }
        assertThat(homeMounted).as("CODEX_HOME is the emptyDir's mount").isTrue();
        assertThat(tokenMounted).as("--ws-token-file is in the secret's mount").isTrue();
    }

    @Test
    void theSecretExampleHoldsPlaceholdersInTheShapesTheHostReads() throws IOException {
        List<JsonNode> secrets = documents("secret.example.yaml");
        assertThat(secrets).extracting(d -> d.path("metadata").path("name").asText())
                .containsExactly("codex-app-server-auth", "codex-store-postgresql", "codex-bridge-callers");
        assertThat(secrets.get(2).path("stringData").path("tokens").asText()).matches("\\w+ REPLACE-\\S+\n");
        assertThat(secrets.get(0).path("stringData").path("token").asText()).startsWith("REPLACE-");
        JsonNode store = secrets.get(1).path("stringData");
        List<String> keys = new ArrayList<>();
        store.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).as("the files PoolHost.store reads").containsExactlyElementsOf(PoolHost.STORE_SECRET_KEYS);
        assertThat(store.path("jdbc-url").asText()).startsWith("jdbc:postgresql://REPLACE-");
        assertThat(store.path("username").asText()).startsWith("REPLACE-");
        assertThat(store.path("password").asText()).startsWith("REPLACE-");
    }

    /**
     * The service's replicas: both doors in each pod, probed on the endpoints they serve, their
     * options ones the CLI takes (parsed by its own commands), the store's URL and user from the
     * store Secret and its password a file of it, never a credential on the command line; the
     * Service's and the Ingress's ports the containers' own; MCP hashed by its session header.
     */
    @Test
    void theServicesReplicasRunBothDoorsOnTheStoreAndAreProbedWhereTheyAnswer() throws Exception {
        List<JsonNode> docs = documents("codex-bridge-service.yaml");
        assertThat(docs).extracting(d -> d.path("kind").asText()).containsExactly("Service", "Deployment", "Ingress");
        JsonNode service = kind(docs, "Service");
        JsonNode set = kind(docs, "Deployment");
        assertThat(set.path("spec").path("replicas").asInt()).isEqualTo(3);
        JsonNode labels = set.path("spec").path("template").path("metadata").path("labels");
        service.path("spec").path("selector").fields().forEachRemaining(e ->
                assertThat(labels.path(e.getKey()).asText()).as("the Service selects the pods").isEqualTo(e.getValue().asText()));
        JsonNode pod = set.path("spec").path("template").path("spec");
        List<String> servicePorts = new ArrayList<>();
        service.path("spec").path("ports").forEach(p -> servicePorts.add(p.path("targetPort").asText()));
        List<String> doors = new ArrayList<>();
        for (JsonNode c : pod.path("containers")) {
            List<String> args = new ArrayList<>();
            c.path("args").forEach(a -> args.add(a.asText()));
            doors.add(args.get(0));
            String port = c.path("ports").get(0).path("name").asText();
            assertThat(servicePorts).contains(port);
            assertThat(c.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/readyz");
            assertThat(c.path("readinessProbe").path("httpGet").path("port").asText()).isEqualTo(port);
            assertThat(c.path("readinessProbe").path("timeoutSeconds").asLong())
                    .as("a probe waits longer than the door asks its store").isGreaterThan(dev.codexbridge.callers.Readiness.PROBE_BOUND.toSeconds());
            assertThat(c.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/healthz");
            assertThat(c.path("livenessProbe").path("httpGet").path("port").asText()).isEqualTo(port);
            assertThat(args).containsSubsequence("--store", "$(CODEX_BRIDGE_STORE_URL)")
                    .containsSubsequence("--store-password-file", "/var/run/codex-store/password");
            List<String> fromStoreSecret = new ArrayList<>();
            for (JsonNode env : c.path("env")) {
                if (env.path("valueFrom").path("secretKeyRef").path("name").asText().equals("codex-store-postgresql")) {
                    fromStoreSecret.add(env.path("name").asText() + "=" + env.path("valueFrom").path("secretKeyRef").path("key").asText());
                }
            }
            assertThat(fromStoreSecret).containsExactly("CODEX_BRIDGE_STORE_URL=jdbc-url", "CODEX_BRIDGE_STORE_USER=username");
            boolean passwordMounted = false;
            for (JsonNode m : c.path("volumeMounts")) {
                passwordMounted |= m.path("mountPath").asText().equals("/var/run/codex-store");
            }
            assertThat(passwordMounted).isTrue();
            if (args.get(0).equals("a2a")) {
                // the push configs it keeps in the database are sealed: the key a file of its own Secret
                assertThat(args).containsSubsequence("--push-secret-key-file", "/var/run/codex-bridge-push/keys");
                assertThat(c.path("volumeMounts")).anySatisfy(m -> {
                    assertThat(m.path("mountPath").asText()).isEqualTo("/var/run/codex-bridge-push");
                    assertThat(m.path("name").asText()).isEqualTo("push-keys");
                });
            }
            // the arguments are the CLI's own: picocli parses them into the command (a wrong option name fails here)
            List<String> parsed = new ArrayList<>(args);
            parsed.replaceAll(a -> a.equals("$(CODEX_BRIDGE_STORE_URL)") ? "jdbc:postgresql://db:5432/app" : a);
            assertThat(dev.codexbridge.cli.CommandLines.parses(parsed)).as(String.join(" ", args)).isTrue();
        }
        assertThat(doors).containsExactlyInAnyOrder("a2a", "mcp");
        boolean storeVolume = false;
        for (JsonNode v : pod.path("volumes")) {
            storeVolume |= v.path("secret").path("secretName").asText().equals("codex-store-postgresql");
        }
        assertThat(storeVolume).isTrue();
        assertThat(pod.path("volumes")).anySatisfy(v -> {
            assertThat(v.path("name").asText()).isEqualTo("push-keys");
            assertThat(v.path("secret").path("secretName").asText()).isEqualTo("codex-bridge-push-keys");
        });
        JsonNode ingress = kind(docs, "Ingress");
        assertThat(ingress.path("metadata").path("annotations").path("nginx.ingress.kubernetes.io/upstream-hash-by").asText())
                .as("MCP sessions stay on their replica").isEqualTo("$http_mcp_session_id");
        JsonNode backend = ingress.path("spec").path("rules").get(0).path("http").path("paths").get(0).path("backend").path("service");
        assertThat(backend.path("name").asText()).isEqualTo(service.path("metadata").path("name").asText());
        assertThat(backend.path("port").path("name").asText()).isEqualTo("mcp");
    }

    /** The discovery recipe over a name that resolves here: the pool ends up with exactly its addresses. */
    @Test
    void podDiscoveryAddsTheAddressesANameResolvesToAndRemovesTheOthers(@TempDir Path tmp) throws Exception {
        Set<String> local = PodDiscovery.resolve("localhost", 4500);
        assertThat(local).contains("127.0.0.1:4500");
        assertThat(PoolHost.endpoint("127.0.0.1:4500", tmp.resolve("token")).uri().toString()).startsWith("ws://127.0.0.1:4500");
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"));
             // a pod that went away: nothing listens on 127.0.0.9, so it answers no probe
             CodexPool pool = PoolHost.connect(List.of("127.0.0.9:4500"), tmp.resolve("token"), store, "host-0");
             PodDiscovery discovery = new PodDiscovery(pool, "localhost", 4500, tmp.resolve("token"), Duration.ofHours(1))) {
            discovery.refresh();
            assertThat(pool.endpoints()).extracting(EndpointState::name).containsExactlyInAnyOrderElementsOf(local);
            discovery.refresh();
            assertThat(pool.endpoints()).extracting(EndpointState::name).containsExactlyInAnyOrderElementsOf(local);
        }
    }

    @Test
    void theCollectorReceivesOtlpWhereCodexAndTheHostSendIt() throws IOException {
        List<JsonNode> docs = documents("otel-collector.yaml");
        JsonNode service = kind(docs, "Service");
        JsonNode deployment = kind(docs, "Deployment");
        JsonNode pod = deployment.path("spec").path("template");
        service.path("spec").path("selector").fields().forEachRemaining(e ->
                assertThat(pod.path("metadata").path("labels").path(e.getKey()).asText()).isEqualTo(e.getValue().asText()));
        int httpPort = -1;
        for (JsonNode port : service.path("spec").path("ports")) {
            if (port.path("name").asText().equals("otlp-http")) {
                httpPort = port.path("port").asInt();
            }
        }
        assertThat(httpPort).isEqualTo(4318);

        // the collector's own configuration, as the ConfigMap mounts it where --config points
        JsonNode configMap = kind(docs, "ConfigMap");
        JsonNode config = new YAMLMapper().readTree(configMap.path("data").path("config.yaml").asText());
        assertThat(config.path("receivers").path("otlp").path("protocols").path("http").path("endpoint").asText())
                .isEqualTo("0.0.0.0:" + httpPort);
        assertThat(config.path("receivers").path("otlp").path("protocols").path("grpc").path("endpoint").asText())
                .isEqualTo("0.0.0.0:4317");
        for (String signal : List.of("traces", "metrics", "logs")) {
            JsonNode pipeline = config.path("service").path("pipelines").path(signal);
            assertThat(pipeline.path("receivers").toString()).as(signal).contains("otlp");
            for (String part : List.of("receivers", "processors", "exporters")) {
                pipeline.path(part).forEach(name -> assertThat(config.path(part).has(name.asText()))
                        .as("%s %s %s is defined", signal, part, name.asText()).isTrue());
            }
        }
        JsonNode collector = pod.path("spec").path("containers").get(0);
        String configArg = collector.path("args").get(0).asText();
        String volume = pod.path("spec").path("volumes").get(0).path("name").asText();
        assertThat(pod.path("spec").path("volumes").get(0).path("configMap").path("name").asText())
                .isEqualTo(configMap.path("metadata").path("name").asText());
        boolean mounted = false;
        for (JsonNode m : collector.path("volumeMounts")) {
            mounted |= m.path("name").asText().equals(volume)
                    && configArg.equals("--config=" + m.path("mountPath").asText() + "/config.yaml");
        }
        assertThat(mounted).as("--config is the ConfigMap's file").isTrue();

        // codex exports its traces to that Service (the override measured with codex 0.169.0)
        JsonNode codex = kind(documents("codex-app-server.yaml"), "Deployment").path("spec").path("template").path("spec")
                .path("containers").get(0);
        List<String> args = new ArrayList<>();
        codex.path("args").forEach(a -> args.add(a.asText()));
        String exporter = args.stream().filter(a -> a.startsWith("otel.trace_exporter=")).findFirst().orElseThrow();
        assertThat(args.get(args.indexOf(exporter) - 1)).isEqualTo("-c");
        assertThat(exporter).contains("endpoint=\"http://" + service.path("metadata").path("name").asText() + ":" + httpPort
                + "/v1/traces\"");
    }

    /** Every app-server the manifests start keeps its credentials from the commands it runs, as the library's own launches do. */
    @Test
    void theAppServersCommandsGetNoCredentials() throws IOException {
        for (String file : List.of("codex-app-server.yaml", "codex-tenant.yaml")) {
            JsonNode codex = documents(file).stream().filter(d -> d.path("kind").asText().matches("Deployment|StatefulSet"))
                    .findFirst().orElseThrow().path("spec").path("template").path("spec").path("containers").get(0);
            List<String> args = new ArrayList<>();
            codex.path("args").forEach(a -> args.add(a.asText()));
            assertThat(java.util.Collections.indexOfSubList(args, dev.codexbridge.process.CodexLaunch.COMMANDS_WITHOUT_CREDENTIALS))
                    .as(file).isNotNegative();
        }
    }

    @Test
    void aTenantsAppServerHasItsOwnVolumeCredentialAndSettingsAndOnlyTheHostReachesIt() throws IOException {
        List<JsonNode> docs = documents("codex-tenant.yaml");
        JsonNode service = kind(docs, "Service");
        JsonNode set = kind(docs, "StatefulSet");
        JsonNode policy = kind(docs, "NetworkPolicy");
        assertThat(service.path("spec").path("clusterIP").asText()).isEqualTo("None");
        assertThat(set.path("spec").path("serviceName").asText()).isEqualTo(service.path("metadata").path("name").asText());
        assertThat(set.path("spec").path("replicas").asInt()).isEqualTo(1);
        JsonNode labels = set.path("spec").path("template").path("metadata").path("labels");
        service.path("spec").path("selector").fields().forEachRemaining(e ->
                assertThat(labels.path(e.getKey()).asText()).as("service selects the pod").isEqualTo(e.getValue().asText()));
        policy.path("spec").path("podSelector").path("matchLabels").fields().forEachRemaining(e ->
                assertThat(labels.path(e.getKey()).asText()).as("policy selects the pod").isEqualTo(e.getValue().asText()));
        assertThat(labels.path("codex-bridge/tenant").asText()).isEqualTo("acme");
        assertThat(set.path("spec").path("persistentVolumeClaimRetentionPolicy").path("whenScaled").asText()).isEqualTo("Retain");

        JsonNode pod = set.path("spec").path("template").path("spec");
        assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
        assertThat(pod.path("enableServiceLinks").asBoolean(true)).isFalse();
        JsonNode codex = pod.path("containers").get(0);
        List<String> args = new ArrayList<>();
        codex.path("args").forEach(a -> args.add(a.asText()));
        assertThat(args).containsSubsequence("--ws-auth", "capability-token")
                .containsSubsequence("-c", "features.shell_snapshot=false")
                .containsSubsequence("-c", "features.plugins=false")
                .containsSubsequence("-c", "features.apps=false");
        String codexHome = null;
        for (JsonNode env : codex.path("env")) {
            if (env.path("name").asText().equals("CODEX_HOME")) {
                codexHome = env.path("value").asText();
            }
            String secret = env.path("valueFrom").path("secretKeyRef").path("name").asText("");
            assertThat(secret).as("only the tenant's own secret").isIn("", "codex-tenant-acme-credentials");
        }
        String claim = set.path("spec").path("volumeClaimTemplates").get(0).path("metadata").path("name").asText();
        boolean homeMounted = false;
        for (JsonNode m : codex.path("volumeMounts")) {
            homeMounted |= m.path("name").asText().equals(claim) && m.path("mountPath").asText().equals(codexHome);
        }
        assertThat(homeMounted).as("CODEX_HOME is the tenant's claim").isTrue();
        assertThat(policy.path("spec").path("ingress").get(0).path("ports").get(0).path("port").asInt()).isEqualTo(4500);

        assertThat(TenantPoolHost.url("agents", "acme"))
                .isEqualTo("ws://codex-tenant-acme-0.codex-tenant-acme.agents.svc.cluster.local:4500");
        String label = TenantPoolHost.dnsLabel("alice@example.com");
        assertThat(label).matches("[a-z][a-z0-9]{20}").isEqualTo(TenantPoolHost.dnsLabel("alice@example.com"))
                .isNotEqualTo(TenantPoolHost.dnsLabel("bob@example.com"));
        assertThat(("codex-tenant-" + label + "-0").length()).isLessThanOrEqualTo(63);
        // the host's tenants build (no connection is opened before a tenant's first session)
        try (TenantPoolHost host = new TenantPoolHost("agents", Paths.get("token"))) {
            assertThat(host).isNotNull();
        }
    }
}
