package dev.codexbridge.approval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * An allow-list of commands, decided on what will run rather than on the shell string: a
 * command is allowed only when it is one simple command ({@link ApprovalRequest#argv()}: no
 * {@code ;}, {@code &&}, {@code ||}, {@code |}, redirection, substitution, glob, subshell or
 * leading assignment — codex's {@code /bin/bash -c} wrapper is taken off first) whose program
 * is on the list, with arguments its rule accepts. Everything else is refused, with the reason:
 * network access, input for a running command, a command asking for more permissions, a shell
 * run another way, and anything the rules do not name. Fail closed.
 *
 * <pre>{@code
 * CommandRules rules = CommandRules.builder()
 *         .allowPrograms("ls", "cat")                                  // any arguments
 *         .allowProgram("git", args -> List.of("status").equals(args))  // only "git status"
 *         .build();
 * ApprovalPolicy.builder().commandRules(rules).build();    // the rest is denied, with the reason
 * }</pre>
 *
 * <p>A program name matches the command's first word exactly: {@code ls} allows {@code ls -la}
 * but neither {@code /bin/ls} nor {@code ./ls} (list those too to allow them). The rules look at
 * codex's command line only, not at what the program does with its arguments: {@code cat} reads
 * any file the sandbox (or, for an escalated command, the user) may read, and a program that
 * runs other programs ({@code env}, {@code xargs}, {@code find -exec}, {@code git -c …}) allows
 * what it runs. Codex's own parse ({@link ApprovalRequest#commandSteps()}) is not a rule: it is
 * best effort, for display, and calls {@code find . -name x -delete} a search.
 *
 * <p>Under {@link ApprovalPolicy.Builder#commandRules} an allowed command runs without asking;
 * the others are denied without asking, or go to the handler when the rules were built with
 * {@link Builder#askHandlerForOthers(boolean) askHandlerForOthers(true)}. A handler can also call
 * {@link #decide} itself.
 */
public final class CommandRules {
    private final Map<String, Predicate<List<String>>> programs;
    private final boolean askHandlerForOthers;

    private CommandRules(Builder b) {
        this.programs = Map.copyOf(b.programs);
        this.askHandlerForOthers = b.askHandlerForOthers;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Rules allowing these programs with any arguments, and nothing else. */
    public static CommandRules allowing(String... programs) {
        return builder().allowPrograms(programs).build();
    }

    /** What the rules say of one request, and why. */
    public record Verdict(boolean allowed, String reason) {
    }

    /** Whether {@code request} is a command these rules allow, and why (or why not). */
    public Verdict check(ApprovalRequest request) {
        if (request.kind() != ApprovalKind.COMMAND && request.kind() != ApprovalKind.LEGACY_COMMAND) {
            return new Verdict(false, "not a command");
        }
        List<String> argv = request.argv().orElse(null);
        if (argv == null) {
            return new Verdict(false, "not one simple command: " + request.argvRefusal());
        }
        String program = argv.get(0);
        Predicate<List<String>> arguments = programs.get(program);
        if (arguments == null) {
            return new Verdict(false, "the program " + program + " is not allowed (allowed: " + allowedNames() + ")");
        }
        List<String> args = argv.subList(1, argv.size());
        boolean ok;
        try {
            ok = arguments.test(args);
        } catch (RuntimeException e) {
            ok = false;     // a rule that fails allows nothing
        }
        return ok ? new Verdict(true, "allowed: " + program)
                : new Verdict(false, "the arguments of " + program + " are not allowed");
    }

    /** True when {@link #check} allows {@code request}. */
    public boolean allows(ApprovalRequest request) {
        return check(request).allowed();
    }

    /** {@link ApprovalChoice#ONCE} for an allowed command, else {@link ApprovalChoice#DENY} with the reason as its note. */
    public ApprovalDecision decide(ApprovalRequest request) {
        Verdict v = check(request);
        return v.allowed() ? new ApprovalDecision(ApprovalChoice.ONCE, null, "command rules: " + v.reason())
                : ApprovalDecision.deny("command rules: " + v.reason());
    }

    /**
     * A handler answering commands by {@link #decide} and every other request with {@code others}
     * (null: deny them).
     */
    public ApprovalHandler handler(@Nullable ApprovalHandler others) {
        return request -> {
            if (request.kind() == ApprovalKind.COMMAND || request.kind() == ApprovalKind.LEGACY_COMMAND) {
                return CompletableFuture.completedFuture(decide(request));
            }
            return others != null ? others.decide(request)
                    : CompletableFuture.completedFuture(ApprovalDecision.deny("not a command; the handler answers commands only"));
        };
    }

    /** Whether a command these rules do not allow goes to the policy's handler (else it is denied unasked). */
    public boolean askHandlerForOthers() {
        return askHandlerForOthers;
    }

    /** The programs allowed, sorted. */
    public List<String> programs() {
        List<String> names = new ArrayList<>(programs.keySet());
        names.sort(null);
        return List.copyOf(names);
    }

    private String allowedNames() {
        return programs.isEmpty() ? "none" : String.join(", ", programs());
    }

    @Override
    public String toString() {
        return "CommandRules[programs=" + programs() + ", askHandlerForOthers=" + askHandlerForOthers + "]";
    }

    public static final class Builder {
        private final Map<String, Predicate<List<String>>> programs = new LinkedHashMap<>();
        private boolean askHandlerForOthers;

        private Builder() {
        }

        /** Allows each program, run by exactly this name, with any arguments. */
        public Builder allowPrograms(String... names) {
            for (String name : names) {
                allowProgram(name, args -> true);
            }
            return this;
        }

        /**
         * Allows {@code name} when {@code arguments} accepts its arguments (the words after the
         * program, unquoted). A predicate that throws allows nothing. A later rule for the same
         * name replaces the earlier one.
         */
        public Builder allowProgram(String name, Predicate<List<String>> arguments) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(arguments, "arguments");
            if (name.isBlank() || !name.equals(name.strip())) {
                throw new IllegalArgumentException("a program name without surrounding blanks: '" + name + "'");
            }
            programs.put(name, arguments);
            return this;
        }

        /**
         * Commands the rules do not allow go to the policy's handler instead of being denied
         * unasked (default false). The handler sees them as any request; {@link #check} says why
         * the rules refused.
         */
        public Builder askHandlerForOthers(boolean ask) {
            this.askHandlerForOthers = ask;
            return this;
        }

        public CommandRules build() {
            return new CommandRules(this);
        }
    }
}
