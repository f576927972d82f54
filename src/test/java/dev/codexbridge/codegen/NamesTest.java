package dev.codexbridge.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How wire names become Java names (decision 0008). */
class NamesTest {
    @Test
    void aCaseChangeNeverLeavesAOneLetterWord() {
        assertThat(Names.words("account/gatewayOAuth/cancel")).containsExactly("account", "gateway", "OAuth", "cancel");
        assertThat(Names.constant("account/gatewayOAuth/cancel")).isEqualTo("ACCOUNT_GATEWAY_OAUTH_CANCEL");
        assertThat(Names.constant("oAuth")).isEqualTo("OAUTH");
        assertThat(Names.constant("iOSDevice")).isEqualTo("IOS_DEVICE");
    }

    @Test
    void acronymsAndDigitsSplitAsBefore() {
        assertThat(Names.words("URLPath")).containsExactly("URL", "Path");
        assertThat(Names.words("JSONRPCError")).containsExactly("JSONRPC", "Error");
        assertThat(Names.constant("socks5Tcp")).isEqualTo("SOCKS5_TCP");
        assertThat(Names.constant("read-only")).isEqualTo("READ_ONLY");
        assertThat(Names.constant("mcpServer/oauthLogin/completed")).isEqualTo("MCP_SERVER_OAUTH_LOGIN_COMPLETED");
    }

    @Test
    void classAndMemberNamesKeepTheWireSpelling() {
        assertThat(Names.pascal("gatewayOAuth")).isEqualTo("GatewayOAuth");
        assertThat(Names.member("account/gatewayOAuth/cancel")).isEqualTo("accountGatewayOAuthCancel");
        assertThat(Names.member("oAuth")).isEqualTo("oAuth");
    }

    @Test
    void aDefinitionNamedLikeAJavaLangTypeIsPrefixedWithCodex() {
        assertThat(Names.type("Thread")).isEqualTo("CodexThread");
        assertThat(Names.type("System")).isEqualTo("CodexSystem");
        assertThat(Names.type("ThreadItem")).isEqualTo("ThreadItem");
        assertThat(Names.JAVA_LANG).contains("Thread", "Record", "Module", "Process", "MatchException");
    }
}
