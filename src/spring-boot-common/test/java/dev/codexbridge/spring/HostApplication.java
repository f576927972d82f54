package dev.codexbridge.spring;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalRequest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

/** A Spring Boot application as a host writes it: the starter's beans plus its own approval handler. */
@SpringBootConfiguration
@EnableAutoConfiguration
class HostApplication {
    /** Every question codex asked, in order; the handler denies them all but a command naming {@link #CALLERS_CHOICE}. */
    static final List<ApprovalRequest> ASKED = new CopyOnWriteArrayList<>();
    /** A command naming this the handler leaves to the remote caller (with caller approvals on), so a test can see both sides. */
    static final String CALLERS_CHOICE = "callers-choice";

    @Bean
    ApprovalHandler approvalHandler() {
        return request -> {
            ASKED.add(request);
            boolean callers = request.command() != null && request.command().contains(CALLERS_CHOICE);
            return CompletableFuture.completedFuture(callers ? ApprovalDecision.leaveToCaller() : ApprovalDecision.deny("the host says no"));
        };
    }
}
