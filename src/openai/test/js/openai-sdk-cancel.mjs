// OpenAI's Node SDK cancelling a background response while codex runs its turn. Talks with
// OpenAiJsClientsLiveTest on its standard streams: "created" once the door has answered the response
// (the test answers once codex holds the turn at the model), then responses.cancel and
// responses.retrieve; the last line is its JSON summary.
import OpenAI from "openai";
import readline from "node:readline";

const [baseURL, apiKey] = process.argv.slice(2);
const lines = readline.createInterface({ input: process.stdin });
const nextLine = () => new Promise((resolve) => lines.once("line", resolve));
const out = {};
try {
  const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
  const created = await client.responses.create({ model: "codex", input: "a long job", background: true });
  console.log("created");
  await nextLine();
  const cancelled = await client.responses.cancel(created.id);
  const read = await client.responses.retrieve(created.id);
  const again = await client.responses.cancel(created.id);
  out.created = { status: created.status, background: created.background };
  out.cancelled = { id: cancelled.id, status: cancelled.status };
  out.read = read.status;
  out.again = again.status;
} catch (e) {
  out.error = String(e?.stack ?? e);
}
lines.close();
console.log(JSON.stringify(out));
