package dev.codexbridge.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.GetAccountParams;
import dev.codexbridge.protocol.GetAccountRateLimitsParams;
import dev.codexbridge.protocol.GetAccountRateLimitsResponse;
import dev.codexbridge.protocol.GetAccountResponse;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "account", mixinStandardHelpOptions = true,
        description = {"Who codex is signed in as, whether it needs OpenAI auth, the plan and the rate limits. Prints no tokens.",
            "With --json: {\"account\": account/read's result, \"rateLimits\": account/rateLimits/read's result or null, "
                    + "\"rateLimitsError\": {code, message} when codex could not give them}.",
            "Exit codes: 0 done (also when rate limits are unavailable), 1 codex failed or answered an error, 2 usage error."})
final class AccountCommand implements Callable<Integer> {
    @Mixin
    ApiOptions api;

    @Override
    public Integer call() {
        return api.call("account", client -> {
            // refreshToken false: looking must not make codex contact the auth server
            GetAccountResponse account = client.accountRead(new GetAccountParams(false));
            GetAccountRateLimitsResponse limits = null;
            RpcError limitsError = null;
            try {
                limits = client.accountRateLimitsRead(new GetAccountRateLimitsParams(null, null));
            } catch (RpcException e) {
                // codex refuses rate limits without a ChatGPT sign-in; that is a fact to show, not a failure
                limitsError = e.error();
            }
            if (api.json) {
                ObjectNode out = Json.object();
                out.set("account", Json.tree(account));
                out.set("rateLimits", limits == null ? Json.nodes().nullNode() : Json.tree(limits));
                if (limitsError != null) {
                    out.putObject("rateLimitsError").put("code", limitsError.code()).put("message", limitsError.message());
                }
                System.out.println(Json.write(out));
                return 0;
            }
            ApiText.accountLines(account).forEach(System.out::println);
            if (limits != null) {
                ApiText.rateLimitLines(limits).forEach(System.out::println);
            } else {
                System.out.println("rate limits: unavailable (" + (notSignedIn(limitsError) ? "not signed in"
                        : ApiText.shorten(limitsError.message(), ApiText.SHORT)) + ")");
            }
            return 0;
        });
    }

    private static boolean notSignedIn(RpcError e) {
        return e.code() == RpcError.INVALID_REQUEST && e.message().toLowerCase(Locale.ROOT).contains("authentication required");
    }
}
