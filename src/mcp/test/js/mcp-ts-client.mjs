// Drives codex-bridge's MCP server with the MCP TypeScript SDK's client (McpTsClientLiveTest):
// node mcp-ts-client.mjs http URL TOKEN   |   node mcp-ts-client.mjs stdio COMMAND_JSON
// Prints one JSON object with what it saw.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const [mode, a, b] = process.argv.slice(2);
const transport = mode === "http"
  ? new StreamableHTTPClientTransport(new URL(a), { requestInit: { headers: { Authorization: `Bearer ${b}` } } })
  : (() => { const cmd = JSON.parse(a); return new StdioClientTransport({ command: cmd[0], args: cmd.slice(1), stderr: "inherit" }); })();

const client = new Client({ name: "mcp-ts-live-test", version: "1.0.0" }, { capabilities: { elicitation: {} } });
const elicitations = [];
client.setRequestHandler(ElicitRequestSchema, async (request) => {
  elicitations.push({ message: request.params.message, meta: request.params._meta ?? null });
  return { action: request.params.message.includes("ts-yes") ? "accept" : "decline", content: {} };
});

const out = { elicitations };
const text = (r) => r.content?.[0]?.text;
const long = { timeout: 120000 };
try {
  await client.connect(transport);
  out.tools = (await client.listTools()).tools.map((t) => t.name);

  const progress = [];
  const first = await client.callTool({ name: "codex", arguments: { prompt: "first" } }, undefined,
    { ...long, onprogress: (p) => progress.push({ progress: p.progress, message: p.message }) });
  out.first = { text: text(first), structured: first.structuredContent, isError: first.isError ?? false };
  out.progress = progress;
  const thread = first.structuredContent.threadId;

  const second = await client.callTool({ name: "codex-reply", arguments: { threadId: thread, prompt: "second" } }, undefined, long);
  out.second = { text: text(second), threadId: second.structuredContent?.threadId };

  const yes = await client.callTool({ name: "codex", arguments: { prompt: "approve" } }, undefined, long);
  out.approved = { text: text(yes) };
  const no = await client.callTool({ name: "codex-reply", arguments: { threadId: yes.structuredContent.threadId, prompt: "decline" } },
    undefined, long);
  out.declined = { text: text(no) };

  // a cancelled call: the SDK sends notifications/cancelled when its signal aborts, here 3 s after
  // the turn's first message is done (the model was asked, however slowly the machine got there;
  // its 300 s command starts next and is running by then)
  const abort = new AbortController();
  const started = Date.now();
  try {
    await client.callTool({ name: "codex-reply", arguments: { threadId: thread, prompt: "wait" } }, undefined,
      { ...long, signal: abort.signal, onprogress: (p) => {
        if (p.message === "Waiting.") setTimeout(() => abort.abort("the test stops it"), 3000);
      } });
    out.cancelled = { aborted: false };
  } catch (e) {
    out.cancelled = { aborted: true, error: String(e) };
  }
  // codex's record of the thread: the last turn's status, once codex has ended it (however slowly)
  let turns = [];
  for (let i = 0; i < 240; i++) {
    const t = await client.callTool({ name: "codex-transcript", arguments: { threadId: thread } }, undefined, long);
    turns = t.structuredContent?.turns ?? [];
    const last = turns[turns.length - 1];
    if (t.isError !== true && last && last.status !== "inProgress") break;
    await new Promise((r) => setTimeout(r, 500));
  }
  out.cancelled.turns = turns.map((t) => t.status);
  out.cancelled.ms = Date.now() - started;
} catch (e) {
  out.error = String(e?.stack ?? e);
} finally {
  await client.close().catch(() => {});
}
process.stdout.write(JSON.stringify(out) + "\n");
