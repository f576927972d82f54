// The MCP TypeScript SDK's client resuming a broken call stream (McpTsClientLiveTest):
// node mcp-ts-resume.mjs URL TOKEN
// The connection of the call whose prompt says "resume-me" is dropped after its first event; the
// SDK reconnects with Last-Event-ID on its own. Prints one JSON object with what it saw.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, token] = process.argv.slice(2);
const out = { resumedWith: [] };
let broken = false;

// fetch as the SDK uses it, but the first "resume-me" call's stream breaks after its first event
async function breakingFetch(input, init) {
  const lastEventId = new Headers(init?.headers).get("last-event-id");
  if (lastEventId) {
    out.resumedWith.push(lastEventId);
  }
  const response = await fetch(input, init);
  if (broken || init?.method !== "POST" || !String(init.body).includes("resume-me")) {
    return response;
  }
  broken = true;
  const reader = response.body.getReader();
  let seenEvent = false;
  const body = new ReadableStream({
    async pull(controller) {
      if (seenEvent) {
        // let the client read the event, then the connection is gone
        await new Promise((r) => setTimeout(r, 300));
        await reader.cancel();
        controller.error(new Error("the test drops the connection"));
        return;
      }
      const { value, done } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      controller.enqueue(value);
      seenEvent = new TextDecoder().decode(value).includes("\n\n");
    }
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
  fetch: breakingFetch,
  reconnectionOptions: { initialReconnectionDelay: 500, maxReconnectionDelay: 2000, reconnectionDelayGrowFactor: 1.5, maxRetries: 3 }
});
const client = new Client({ name: "mcp-ts-resume-test", version: "1.0.0" });
try {
  await client.connect(transport);
  const progress = [];
  const tokens = [];
  const r = await client.callTool({ name: "codex", arguments: { prompt: "resume-me" } }, undefined, {
    timeout: 120000,
    onprogress: (p) => progress.push(p.message),
    onresumptiontoken: (t) => tokens.push(t)
  });
  out.result = { text: r.content?.[0]?.text, isError: r.isError ?? false, threadId: r.structuredContent?.threadId };
  out.progress = progress;
  out.tokens = tokens;
  out.broken = broken;
} catch (e) {
  out.error = String(e?.stack ?? e);
} finally {
  await client.close().catch(() => {});
}
process.stdout.write(JSON.stringify(out) + "\n");
