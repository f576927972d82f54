// OpenAI's Node SDK retrying what the door refuses for now: a door that holds one conversation answers a
// second one 429 too_many_conversations with retry-after while the first runs a turn; the SDK waits and
// sends it again on its own. Talks with OpenAiJsClientsLiveTest on its standard streams: "running" once
// the first turn is sent (the test answers once codex holds it at the model), "busy" at the 429; the last
// line is its JSON summary.
import OpenAI from "openai";
import readline from "node:readline";

const [baseURL, apiKey] = process.argv.slice(2);
const lines = readline.createInterface({ input: process.stdin });
const nextLine = () => new Promise((resolve) => lines.once("line", resolve));
const attempts = [];
const recording = async (url, init) => {
  const response = await fetch(url, init);
  attempts.push({ status: response.status, retryAfter: response.headers.get("retry-after"),
    shouldRetry: response.headers.get("x-should-retry") });
  if (response.status === 429) console.log("busy");
  return response;
};
const out = {};
try {
  const first = new OpenAI({ baseURL, apiKey, maxRetries: 0 }).responses.create({ model: "codex", input: "take your time" });
  console.log("running");
  await nextLine();
  const second = await new OpenAI({ baseURL, apiKey, maxRetries: 5, fetch: recording })
    .responses.create({ model: "codex", input: "and now?" });
  out.first = (await first).output_text;
  out.second = second.output_text;
  out.attempts = attempts;
} catch (e) {
  out.error = String(e?.stack ?? e);
}
lines.close();
console.log(JSON.stringify(out));
