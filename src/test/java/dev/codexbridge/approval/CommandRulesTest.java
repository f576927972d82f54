package dev.codexbridge.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.CommandExecutionRequestApprovalParams;
import dev.codexbridge.protocol.ExecCommandApprovalParams;
import dev.codexbridge.protocol.ServerRequestParams;
import dev.codexbridge.rpc.JsonRpcId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The allow-list decides on the unwrapped argv of one simple command, never on the shell string.
 * The params are shaped as codex 0.169.0 sends them (measured with CommandRulesLiveTest).
 */
class CommandRulesTest {
    private static final CommandRules LS_AND_CAT = CommandRules.allowing("ls", "cat");

    /** A v2 command request for {@code command}, as codex's wire JSON decodes it. */
    static ApprovalRequest command(String commandLine, String actionsJson) {
        String params = "{\"threadId\":\"t\",\"turnId\":\"u\",\"itemId\":\"i\",\"kind\":\"command\",\"command\":"
                + Json.write(commandLine) + ",\"cwd\":\"/w\",\"commandActions\":" + actionsJson + "}";
        return request(ApprovalKind.COMMAND, "item/commandExecution/requestApproval", params, commandLine);
    }

    private static ApprovalRequest request(ApprovalKind kind, String method, String params, String command) {
        ServerRequestParams p = new CodexEvent.ServerRequest(JsonRpcId.of(0), method, null, Json.parse(params)).params();
        return new ApprovalRequest(kind, method, "t", "u", "i", command, command, command, "/w", null, null, null, List.of(), p);
    }

    private static ApprovalRequest wrapped(String script) {
        return command("/bin/bash -c " + shellQuote(script), "[{\"type\":\"unknown\",\"command\":" + Json.write(script) + "}]");
    }

    /** How codex joins the argv into {@code command}: bare when safe, else single quotes. */
    private static String shellQuote(String word) {
        return word.matches("[A-Za-z0-9_./=:,+@%-]+") ? word : "'" + word.replace("'", "'\"'\"'") + "'";
    }

    @Test
    void theSafeOnesAsCodexSendsThemAreAllowed() {
        ApprovalRequest ls = command("/bin/bash -c ls", "[{\"type\":\"listFiles\",\"command\":\"ls\"}]");
        ApprovalRequest cat = command("/bin/bash -c 'cat x'", "[{\"type\":\"read\",\"command\":\"cat x\",\"name\":\"x\",\"path\":\"/w/x\"}]");
        assertThat(ls.argv()).contains(List.of("ls"));
        assertThat(cat.argv()).contains(List.of("cat", "x"));
        assertThat(LS_AND_CAT.check(ls)).isEqualTo(new CommandRules.Verdict(true, "allowed: ls"));
        assertThat(LS_AND_CAT.decide(cat).choice()).isEqualTo(ApprovalChoice.ONCE);
        assertThat(ls.commandSteps()).containsExactly(new CommandStep(CommandStep.Kind.LIST_FILES, "ls", null, null));
        assertThat(cat.commandSteps()).containsExactly(new CommandStep(CommandStep.Kind.READ, "cat x", "/w/x", null));
        assertThat(cat.commandSteps().get(0).describe()).isEqualTo("read /w/x");
        assertThat(wrapped("ls -la 'my notes.txt' \"a b\" c\\ d").argv()).contains(List.of("ls", "-la", "my notes.txt", "a b", "c d"));
        assertThat(command("/bin/bash -lc 'cat x'", "[]").argv()).contains(List.of("cat", "x"));
        assertThat(command("/usr/bin/zsh -c ls", "[]").argv()).contains(List.of("ls"));
        assertThat(command("ls -l", "[]").argv()).as("a program run without a shell").contains(List.of("ls", "-l"));
    }

    @Test
    void aCompoundLineIsNeverAllowedWhateverItStartsWith() {
        ApprovalRequest listThenRemove = command("/bin/bash -c 'ls; rm x'", "[{\"type\":\"unknown\",\"command\":\"ls; rm x\"}]");
        assertThat(listThenRemove.argv()).isEmpty();
        assertThat(listThenRemove.argvRefusal()).isEqualTo("a list of commands (;)");
        assertThat(LS_AND_CAT.decide(listThenRemove)).isEqualTo(ApprovalDecision.deny("command rules: not one simple command: a list of commands (;)"));
        assertThat(listThenRemove.commandSteps()).extracting(CommandStep::kind).containsExactly(CommandStep.Kind.UNKNOWN);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ls; rm x", "ls && rm x", "ls || rm x", "ls & rm x", "cat x | sh", "ls > out", "cat < x",
            "cat $(rm x)", "cat `rm x`", "cat $HOME", "cat \"$HOME\"", "cat \"`rm x`\"", "ls *", "ls x?", "ls [ab]", "(rm x)",
            "{ rm x; }", "ls ~", "ls # rm x", "! ls", "PATH=/tmp ls", "LD_PRELOAD=/w/evil.so cat x", "ls\nrm x", "ls \\\nrm x",
            "ls\rrm x", "cat 'x", "cat \"x", "cat x\\", "", "   ", "cat 'a\u0007b'", "bash -c 'rm x'", "ls\u0000"})
    void everythingTheShellWouldDoBesidesRunningOneProgramIsRefused(String script) {
        ApprovalRequest r = wrapped(script);
        boolean allowedByAWideList = CommandRules.allowing("ls", "cat", "rm", "bash", "sh", "!").allows(r);
        assertThat(allowedByAWideList).as("%s", script).isEqualTo(script.equals("bash -c 'rm x'"));
    }

    @Test
    void aNestedShellIsItsOwnProgramAndOnlyAnExactlyWrappedShellIsUnwrapped() {
        assertThat(wrapped("bash -c 'rm x'").argv()).contains(List.of("bash", "-c", "rm x"));
        assertThat(LS_AND_CAT.allows(wrapped("bash -c 'rm x'"))).isFalse();
        assertThat(command("/bin/bash -c ls extra", "[]").argvRefusal()).isEqualTo("a shell run other than as 'bash -c <command>'");
        assertThat(command("/bin/bash script.sh", "[]").argv()).isEmpty();
        assertThat(command("/bin/sh -x -c ls", "[]").argv()).isEmpty();
    }

    @Test
    void programsMatchByTheirExactNameAndArgumentRulesSeeTheUnquotedWords() {
        assertThat(LS_AND_CAT.check(wrapped("rm x"))).isEqualTo(new CommandRules.Verdict(false, "the program rm is not allowed (allowed: cat, ls)"));
        assertThat(LS_AND_CAT.allows(wrapped("/bin/ls"))).isFalse();
        assertThat(LS_AND_CAT.allows(wrapped("./ls"))).isFalse();
        assertThat(LS_AND_CAT.allows(wrapped("'l''s' -l"))).as("quotes removed: the program is ls").isTrue();
        CommandRules gitStatus = CommandRules.builder().allowProgram("git", args -> args.equals(List.of("status"))).build();
        assertThat(gitStatus.allows(wrapped("git status"))).isTrue();
        assertThat(gitStatus.allows(wrapped("git 'status'"))).isTrue();
        assertThat(gitStatus.check(wrapped("git push")).reason()).isEqualTo("the arguments of git are not allowed");
        CommandRules throwing = CommandRules.builder().allowProgram("ls", args -> {
            throw new IllegalStateException("bug in a rule");
        }).build();
        assertThat(throwing.allows(wrapped("ls"))).as("a rule that throws allows nothing").isFalse();
        assertThatThrownBy(() -> CommandRules.builder().allowPrograms(" ls")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void requestsThatAreNotAPlainCommandAreRefused() {
        String base = "{\"threadId\":\"t\",\"turnId\":\"u\",\"itemId\":\"i\",\"command\":\"/bin/bash -c ls\",\"cwd\":\"/w\",";
        ApprovalRequest stdin = request(ApprovalKind.COMMAND, "item/commandExecution/requestApproval", base + "\"kind\":\"writeStdin\"}", "ls");
        ApprovalRequest network = request(ApprovalKind.COMMAND, "item/commandExecution/requestApproval",
                base + "\"networkApprovalContext\":{\"host\":\"example.com\",\"protocol\":\"https\"}}", "ls");
        ApprovalRequest morePermissions = request(ApprovalKind.COMMAND, "item/commandExecution/requestApproval",
                base + "\"additionalPermissions\":{\"network\":{\"enabled\":true}}}", "ls");
        assertThat(LS_AND_CAT.check(stdin).reason()).isEqualTo("not one simple command: not a command but writeStdin");
        assertThat(LS_AND_CAT.check(network).reason()).isEqualTo("not one simple command: network access");
        assertThat(LS_AND_CAT.check(morePermissions).reason()).isEqualTo("not one simple command: a command asking for more permissions");
        ApprovalRequest patch = request(ApprovalKind.FILE_CHANGE, "item/fileChange/requestApproval",
                "{\"threadId\":\"t\",\"turnId\":\"u\",\"itemId\":\"i\"}", null);
        assertThat(LS_AND_CAT.check(patch)).isEqualTo(new CommandRules.Verdict(false, "not a command"));
    }

    @Test
    void theLegacyRequestsArgvIsUnwrappedTheSameWay() {
        String params = Json.write(Map.of("conversationId", "t", "callId", "c", "command", List.of("bash", "-lc", "cat x; rm x"), "cwd", "/w",
                "parsedCmd", List.of()));
        ApprovalRequest compound = request(ApprovalKind.LEGACY_COMMAND, "execCommandApproval", params, "bash -lc cat x; rm x");
        assertThat(compound.params()).isInstanceOf(ExecCommandApprovalParams.class);
        assertThat(LS_AND_CAT.allows(compound)).isFalse();
        String direct = Json.write(Map.of("conversationId", "t", "callId", "c", "command", List.of("cat", "a; rm x"), "cwd", "/w",
                "parsedCmd", List.of()));
        ApprovalRequest literal = request(ApprovalKind.LEGACY_COMMAND, "execCommandApproval", direct, "cat a; rm x");
        assertThat(literal.argv()).as("no shell: the ; is a file name").contains(List.of("cat", "a; rm x"));
        assertThat(LS_AND_CAT.allows(literal)).isTrue();
    }

    @Test
    void anActionTypeNewerThanThePinnedCodexAndCodexsUnknownAreOneKind() {
        ApprovalRequest r = command("/bin/bash -c 'x y'", "[{\"type\":\"unknown\",\"command\":\"x y\"},{\"type\":\"teleport\",\"command\":\"x\"}]");
        assertThat(r.params()).isInstanceOf(CommandExecutionRequestApprovalParams.class);
        assertThat(r.commandSteps()).extracting(CommandStep::kind).containsExactly(CommandStep.Kind.UNKNOWN, CommandStep.Kind.UNKNOWN);
        assertThat(r.commandSteps()).extracting(CommandStep::command).containsExactly("x y", "x");
        assertThat(r.commandSteps().get(0).describe()).isEqualTo("run x y");
    }

    @Test
    void aHandlerFromTheRulesAnswersCommandsAndPassesTheRestOn() throws Exception {
        ApprovalHandler handler = LS_AND_CAT.handler(ApprovalHandler.always(ApprovalChoice.ONCE));
        assertThat(handler.decide(wrapped("rm x")).toCompletableFuture().get(60, TimeUnit.SECONDS).choice()).isEqualTo(ApprovalChoice.DENY);
        assertThat(handler.decide(wrapped("ls")).toCompletableFuture().get(60, TimeUnit.SECONDS).choice()).isEqualTo(ApprovalChoice.ONCE);
        ApprovalRequest patch = request(ApprovalKind.FILE_CHANGE, "item/fileChange/requestApproval", "{\"threadId\":\"t\",\"turnId\":\"u\",\"itemId\":\"i\"}", null);
        assertThat(handler.decide(patch).toCompletableFuture().get(60, TimeUnit.SECONDS).choice()).isEqualTo(ApprovalChoice.ONCE);
        assertThat(LS_AND_CAT.handler(null).decide(patch).toCompletableFuture().get(60, TimeUnit.SECONDS).choice()).isEqualTo(ApprovalChoice.DENY);
    }

    @Test
    void rulesAndRunEveryCommandContradictEachOther() {
        assertThatThrownBy(() -> ApprovalPolicy.builder().autoApproveCommands(true).commandRules(LS_AND_CAT).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("set one of them");
    }
}
