package dev.codexbridge.spring;

import dev.codexbridge.callers.Authenticator;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.openai.OpenAiWebFluxHandler;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The OpenAI door on a reactive application's own web server (decision 0128): an
 * {@link OpenAiWebFluxHandler} routed at {@code codex-bridge.openai.path} (default {@code /v1}) by a
 * {@link RouterFunction} bean, the same properties as the servlet's ({@link OpenAiConfiguration}).
 * Only with {@code codex-bridge-openai} and Spring WebFlux on the class path, a reactive web
 * application, and {@code codex-bridge.openai.enabled=true}. The routes run on threads of the
 * door's own, never on the server's event loop; the door closes with the context.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = {OpenAiReactiveConfiguration.HANDLER, OpenAiReactiveConfiguration.ROUTER})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnProperty(prefix = "codex-bridge.openai", name = "enabled", havingValue = "true")
@EnableConfigurationProperties(OpenAiProperties.class)
class OpenAiReactiveConfiguration {
    static final String HANDLER = "dev.codexbridge.openai.OpenAiWebFluxHandler";
    static final String ROUTER = "org.springframework.web.reactive.function.server.RouterFunction";

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    OpenAiWebFluxHandler codexOpenAiHandler(CodexSessions sessions, OpenAiProperties p, ObjectProvider<CodexGateway> gateway,
                                            ObjectProvider<Authenticator> authenticator) {
        return OpenAiDoors.door(sessions, p, gateway, authenticator).webFlux(OpenAiDoors.path(p));
    }

    @Bean
    @ConditionalOnMissingBean(name = "codexOpenAiRoutes")
    RouterFunction<ServerResponse> codexOpenAiRoutes(OpenAiWebFluxHandler handler, OpenAiProperties p) {
        return RouterFunctions.route(RequestPredicates.path(OpenAiDoors.path(p) + "/**"), handler);
    }
}
