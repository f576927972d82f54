// The OpenAI Agents SDK on the door's Conversations API: an agent run twice on one conversation the
// server keeps (conversationId), then twice with an OpenAIConversationsSession (the SDK keeps the
// history in the conversation's items and sends it with each run). Prints one JSON summary;
// OpenAiJsClientsLiveTest asserts on it.
import { Agent, OpenAIConversationsSession, run, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled } from "@openai/agents";
import OpenAI from "openai";

const [baseURL, apiKey] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
setDefaultOpenAIClient(client);
setOpenAIAPI("responses");
setTracingDisabled(true);
const text = (item) => (Array.isArray(item.content) ? item.content.map((c) => c.text ?? "").join("") : String(item.content ?? ""));
const out = {};
try {
  const agent = new Agent({ name: "keeper", model: "codex" });
  const conversation = await client.conversations.create({});
  const first = await run(agent, "remember the word juniper", { conversationId: conversation.id });
  const second = await run(agent, "which word?", { conversationId: conversation.id });
  const items = [];
  for await (const item of client.conversations.items.list(conversation.id, { order: "asc" })) {
    items.push({ type: item.type, role: item.role, text: text(item) });
  }
  out.server = { conversation: conversation.id, outputs: [first.finalOutput, second.finalOutput], items };

  const session = new OpenAIConversationsSession({ client });
  const a = await run(agent, "remember the word sorrel", { session });
  const b = await run(agent, "which word was it?", { session });
  const kept = await session.getItems();
  out.session = { outputs: [a.finalOutput, b.finalOutput],
    items: kept.map((i) => ({ type: i.type, role: i.role, text: text(i) })) };
  await session.clearSession();
  out.session.cleared = true;
} catch (e) {
  out.error = String(e?.stack ?? e);
}
console.log(JSON.stringify(out));
