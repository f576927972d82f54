package dev.codexbridge.spring;

import dev.codexbridge.callers.Authenticator;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.openai.OpenAiServlet;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The application's codex sessions behind OpenAI's HTTP API, on the application's own servlet web
 * server: an {@link OpenAiServlet} registered at {@code codex-bridge.openai.path} (default
 * {@code /v1}), so an OpenAI SDK's base URL is the application's address and that path. Only with
 * {@code codex-bridge-openai} on the class path (the starters depend on it optionally), a servlet
 * web application, and {@code codex-bridge.openai.enabled=true}. Conversations open through the
 * application's {@link CodexGateway} bean, else {@link CodexSessions#gateway()}: its defaults, its
 * {@code ApprovalPolicy} bean, decided before any caller is asked, its tenants and store. Callers
 * answer what that policy leaves open only with {@code codex-bridge.approval.caller-approvals=true}
 * and a request that declares it answers them. The door closes with the context: with Spring
 * Boot's graceful shutdown, the requests in flight are answered first.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = {OpenAiConfiguration.SERVLET, OpenAiConfiguration.REGISTRATION})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnProperty(prefix = "codex-bridge.openai", name = "enabled", havingValue = "true")
@EnableConfigurationProperties(OpenAiProperties.class)
class OpenAiConfiguration {
    static final String SERVLET = "dev.codexbridge.openai.OpenAiServlet";
    static final String REGISTRATION = "org.springframework.boot.web.servlet.ServletRegistrationBean";

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    OpenAiServlet codexOpenAiServlet(CodexSessions sessions, OpenAiProperties p, ObjectProvider<CodexGateway> gateway,
                                     ObjectProvider<Authenticator> authenticator) {
        return OpenAiDoors.door(sessions, p, gateway, authenticator).servlet();
    }

    @Bean
    @ConditionalOnMissingBean(name = "codexOpenAiRegistration")
    ServletRegistrationBean<OpenAiServlet> codexOpenAiRegistration(OpenAiServlet servlet, OpenAiProperties p) {
        String path = OpenAiDoors.path(p);
        ServletRegistrationBean<OpenAiServlet> registration = new ServletRegistrationBean<>(servlet, path + "/*");
        registration.setName("codexOpenAi");
        return registration;
    }
}
