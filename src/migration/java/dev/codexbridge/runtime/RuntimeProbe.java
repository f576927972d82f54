package dev.codexbridge.runtime;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ShortLivedCodex;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.process.CodexVersionProbe;
import dev.codexbridge.protocol.AskForApproval;
import dev.codexbridge.protocol.SandboxMode;
import dev.codexbridge.protocol.Account;
import dev.codexbridge.protocol.GetAccountParams;
import dev.codexbridge.protocol.GetAccountResponse;
import dev.codexbridge.protocol.Model;
import dev.codexbridge.protocol.ModelListParams;
import dev.codexbridge.protocol.ModelListResponse;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnLimits;

/**
 * What the runtime switch asks of codex: the binary, located and its version gated (once per
 * switch call), and, for {@code status} with a probe, the account, the model list and a one-word
 * turn, all on one short-lived codex ({@link ShortLivedCodex}). The results are typed; only
 * {@link RuntimeSwitch#status} puts them into words ({@link RuntimeStatus}).
 */
final class RuntimeProbe {
    /** The words model APIs use when they refuse a model. */
    private static final List<String> MODEL_REFUSALS = List.of("invalid_request_error", "not available", "unknown model",
            "unsupported model", "model_not_found", "does not exist", "not supported");

    /** The host's launch, or null: then the located binary is started with {@link #codexHome}. */
    private final CodexLaunch launch;
    private final Path codexHome;
    private final Duration timeout;
    private final String model;

    RuntimeProbe(CodexLaunch launch, Path codexHome, Duration timeout, String model) {
        this.launch = launch;
        this.codexHome = codexHome;
        this.timeout = timeout;
        this.model = model;
    }

    /** The codex binary and its version, or why there is no usable one ({@code problem}). */
    record CodexCheck(Path binary, CodexVersion version, String problem) {
        boolean found() {
            return binary != null;
        }
    }

    /** What {@code account/read} said, or why it could not be asked. */
    record AccountCheck(AccountKind kind, Account account, String problem) {
        static AccountCheck of(GetAccountResponse r) {
            if (r.account() != null) {
                return new AccountCheck(AccountKind.SIGNED_IN, r.account(), null);
            }
            return new AccountCheck(Boolean.TRUE.equals(r.requiresOpenaiAuth()) ? AccountKind.LOGGED_OUT : AccountKind.NONE_NEEDED,
                    null, null);
        }

        static AccountCheck unknown(CodexException e) {
            return new AccountCheck(AccountKind.UNKNOWN, null, e.getMessage().lines().findFirst().orElse(""));
        }

        /** As {@code status} shows it: "none needed (custom provider)", "logged out", the account type, or "unknown (why)". */
        String describe() {
            return switch (kind) {
                case NONE_NEEDED -> "none needed (custom provider)";
                case LOGGED_OUT -> "logged out";
                case UNKNOWN -> "unknown (" + problem + ")";
                case SIGNED_IN -> describe(account);
            };
        }

        private static String describe(Account account) {
            if (account instanceof Account.Chatgpt chatgpt) {
                return "chatgpt" + (chatgpt.email() == null ? "" : " " + chatgpt.email());
            }
            if (account instanceof Account.ApiKey key) {
                return key.type();
            }
            if (account instanceof Account.AmazonBedrock bedrock) {
                return bedrock.type();
            }
            if (account instanceof Account.Gcp gcp) {
                return gcp.type();
            }
            return "signed in";
        }
    }

    /** The kinds of answer {@code account/read} gives. */
    enum AccountKind {
        /** No account: the provider needs none (a custom provider). */
        NONE_NEEDED,
        /** No account, and codex's OpenAI provider needs one. */
        LOGGED_OUT,
        SIGNED_IN,
        /** Codex could not be asked. */
        UNKNOWN
    }

    /** How ready codex is and, when not, what to do about it. */
    record Verdict(Readiness readiness, String remediation) {
        static final Verdict READY = new Verdict(Readiness.READY, null);
    }

    /** A probe's findings; {@code account} is null when there was no codex to ask. */
    record Report(AccountCheck account, Verdict verdict) {
    }

    /** Locates the binary (the launch's, if it names one) and gates its version. */
    CodexCheck check() {
        try {
            Path binary = new CodexLocator().locate(launch == null ? null : launch.binary()).binary();
            CodexVersion v = CodexVersionProbe.requireSupported(binary, CodexVersionProbe.DEFAULT_TIMEOUT);
            return new CodexCheck(binary, v, null);
        } catch (CodexException e) {
            return new CodexCheck(null, null, e.getMessage());
        }
    }

    /**
     * The account ({@code account/read}), the probed model against {@code model/list}, and, unless
     * one of those already settles it, a minimal turn: "logged out", "model not available" and
     * "ready" told apart.
     */
    Report probe(CodexCheck codex) {
        if (!codex.found()) {
            return new Report(null, new Verdict(Readiness.ERROR, codex.problem()));
        }
        CodexLaunch probeLaunch = launch != null ? launch : ShortLivedCodex.launch(codex.binary(), codexHome, "codex-probe");
        try (ShortLivedCodex c = ShortLivedCodex.start(probeLaunch, "runtime", timeout)) {
            AccountCheck account;
            Optional<Verdict> listed = Optional.empty();
            try {
                GetAccountResponse r = c.client().accountRead(new GetAccountParams(false));
                account = AccountCheck.of(r);
                if (model != null && account.kind() != AccountKind.LOGGED_OUT) {
                    listed = modelCheck(model, Boolean.TRUE.equals(r.requiresOpenaiAuth()), listModels(c.client()));
                }
            } catch (CodexException e) {
                account = AccountCheck.unknown(e);
            }
            if (listed.isPresent()) {
                return new Report(account, listed.get());
            }
            if (account.kind() == AccountKind.LOGGED_OUT) {
                return new Report(account, new Verdict(Readiness.LOGGED_OUT, ErrorCategory.AUTHENTICATION.remediation()));
            }
            return new Report(account, turn(c.client()));
        } catch (CodexException e) {
            return new Report(AccountCheck.unknown(e), new Verdict(Readiness.ERROR, e.getMessage()));
        }
    }

    private static List<Model> listModels(CodexClient codex) {
        List<Model> all = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 20; page++) {
            ModelListResponse r = codex.modelList(ModelListParams.builder().includeHidden(true).cursor(cursor).build());
            if (r.data() != null) {
                all.addAll(r.data());
            }
            cursor = r.nextCursor();
            if (cursor == null || cursor.isEmpty()) {
                break;
            }
        }
        return all;
    }

    /**
     * The verdict when {@code model/list} already settles it, else empty (run the turn). Codex
     * lists the models of OpenAI's catalogue; for a custom provider the list says nothing about
     * what the provider serves, so only the turn can tell.
     */
    static Optional<Verdict> modelCheck(String model, boolean openAiProvider, List<Model> listed) {
        if (!openAiProvider) {
            return Optional.empty();
        }
        for (Model m : listed) {
            if (model.equals(m.id()) || model.equals(m.model())) {
                return Optional.empty();
            }
        }
        List<String> names = listed.stream().filter(m -> !Boolean.TRUE.equals(m.hidden())).map(Model::model).limit(12).toList();
        return Optional.of(new Verdict(Readiness.MODEL_UNAVAILABLE, "Choose another model: `" + model
                + "` is not in codex's model list for this account" + (names.isEmpty() ? "" : " (offered: " + String.join(", ", names) + ")") + "."));
    }

    /** The verdict on a probe turn that failed. */
    static Verdict outcome(TurnFailure error, String model) {
        String named = model == null ? "the configured model" : "`" + model + "`";
        if (error.category() == ErrorCategory.AUTHENTICATION) {
            return new Verdict(Readiness.LOGGED_OUT, error.remediation() + " (" + error.message() + ")");
        }
        String text = error.message().toLowerCase(Locale.ROOT);
        if (error.category() == ErrorCategory.MODEL_UNAVAILABLE || MODEL_REFUSALS.stream().anyMatch(text::contains)) {
            return new Verdict(Readiness.MODEL_UNAVAILABLE, "Choose another model: " + named + " is not available (" + error.message() + ").");
        }
        return new Verdict(Readiness.ERROR, error.message() + " — " + error.remediation());
    }

    /** A minimal turn on the probe's codex, in a scratch folder, read-only, never asking. */
    private Verdict turn(CodexClient codex) {
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("codex-bridge-probe-");
            ThreadOptions thread = ThreadOptions.builder().cwd(scratch).model(model).ephemeral(true)
                    .sandbox(SandboxMode.READ_ONLY).askForApproval(AskForApproval.NEVER).build();
            try (CodexSession s = CodexSession.builder().client(codex).replaceThreadOptions(thread)
                    .limits(TurnLimits.of(timeout.multipliedBy(6), Duration.ZERO)).build()) {
                TurnResult r = s.runTurn(TurnInput.text("Reply with the single word OK."));
                if (r.status() == TurnOutcome.COMPLETED) {
                    return Verdict.READY;
                }
                if (r.error() == null) {
                    return new Verdict(Readiness.ERROR, "the probe turn ended " + r.status().wire());
                }
                return outcome(r.error(), model);
            }
        } catch (IOException | CodexException e) {
            return new Verdict(Readiness.ERROR, e.getMessage());
        } finally {
            if (scratch != null) {
                try {
                    Files.deleteIfExists(scratch);
                } catch (IOException ignored) {
                    // an empty temp folder left behind
                }
            }
        }
    }
}
