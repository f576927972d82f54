// OpenAI's Node SDK against the door: create, the stream (create({stream: true}) and responses.stream),
// previous_response_id, a function tool's round trip, structured output (responses.parse with a zod schema), Chat Completions streamed and not,
// a background response polled and its stream picked up again, the errors it surfaces. Prints one JSON summary; OpenAiJsClientsLiveTest asserts on it.
import OpenAI from "openai";
import { zodTextFormat } from "openai/helpers/zod";
import { z } from "zod";

const [baseURL, apiKey, otherKey] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 120_000 });
const text = (r) => r.output.filter((i) => i.type === "message").flatMap((i) => i.content)
  .filter((c) => c.type === "output_text").map((c) => c.text).join("");
const out = {};
try {
  const first = await client.responses.create({ model: "codex", input: "say one" });
  out.create = { id: first.id, object: first.object, status: first.status, outputText: first.output_text, text: text(first) };

  // create({stream: true}) on the same conversation
  const events = [];
  let deltas = "";
  let completed;
  const stream = await client.responses.create({ model: "codex", input: "say two", previous_response_id: first.id, stream: true });
  for await (const e of stream) {
    events.push(e.type);
    if (e.type === "response.output_text.delta") deltas += e.delta;
    if (e.type === "response.completed") completed = e.response;
  }
  out.stream = { types: events, deltas, completedId: completed?.id, completedStatus: completed?.status,
    completedText: completed ? text(completed) : null, previousResponseId: completed?.previous_response_id };

  // a function tool's round trip, the call by responses.stream, its output by previous_response_id
  const weather = { type: "function", name: "weather", description: "The weather in a city", strict: false,
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };
  const asking = client.responses.stream({ model: "codex", input: "weather in Oslo?", tools: [weather] });
  const argDeltas = [];
  asking.on("response.function_call_arguments.delta", (e) => argDeltas.push(e.delta));
  const asked = await asking.finalResponse();
  const call = asked.output.find((i) => i.type === "function_call");
  const answered = await client.responses.create({ model: "codex", previous_response_id: asked.id, tools: [weather],
    input: [{ type: "function_call_output", call_id: call.call_id, output: "sunny, 21 C" }] });
  out.tool = { name: call.name, arguments: JSON.parse(call.arguments), argDeltas: argDeltas.join(""), callId: call.call_id,
    askedStatus: asked.status, text: answered.output_text };

  // structured output: a zod schema as the json_schema format, the answer parsed by the SDK
  const parsed = await client.responses.parse({ model: "codex", input: "the answer?",
    text: { format: zodTextFormat(z.object({ answer: z.number().int() }), "answer") } });
  out.parsed = { value: parsed.output_parsed, text: parsed.output_text };

  // Chat Completions, not streamed and streamed
  const chat = await client.chat.completions.create({ model: "codex", messages: [{ role: "user", content: "chat one" }] });
  const chunks = [];
  let finish = null;
  const chatStream = await client.chat.completions.create({ model: "codex", stream: true,
    messages: [{ role: "user", content: "chat two" }] });
  for await (const c of chatStream) {
    const choice = c.choices[0];
    if (choice?.delta?.content) chunks.push(choice.delta.content);
    if (choice?.finish_reason) finish = choice.finish_reason;
  }
  out.chat = { object: chat.object, content: chat.choices[0].message.content, role: chat.choices[0].message.role,
    finishReason: chat.choices[0].finish_reason, streamed: chunks, streamedFinishReason: finish };

  // background: answered at once and polled; its stream picked up again by responses.stream({ response_id, starting_after });
  // a cancel of a response that has ended refused
  const bg = await client.responses.create({ model: "codex", input: "in the background", background: true });
  let polled = bg;
  while (polled.status === "queued" || polled.status === "in_progress") {
    await new Promise((resolve) => setTimeout(resolve, 50));
    polled = await client.responses.retrieve(bg.id);
  }
  const resumed = [];
  const again = client.responses.stream({ response_id: bg.id, starting_after: 1 });
  again.on("event", (e) => resumed.push(e.sequence_number));
  const picked = await again.finalResponse();
  let cancel;
  try {
    await client.responses.cancel(bg.id);
  } catch (e) {
    cancel = { class: e.constructor.name, badRequest: e instanceof OpenAI.BadRequestError, status: e.status };
  }
  out.background = { createdStatus: bg.status, background: bg.background, polledStatus: polled.status, text: text(polled),
    resumed, pickedText: picked.output_text, pickedStatus: picked.status, cancel };

  // the errors it surfaces: a wrong key, another principal's response
  const errors = {};
  try {
    await new OpenAI({ baseURL, apiKey: "wrong-key-0123456789abcdef", maxRetries: 0 }).responses.create({ model: "codex", input: "x" });
  } catch (e) {
    errors.wrongKey = { class: e.constructor.name, authenticationError: e instanceof OpenAI.AuthenticationError, status: e.status };
  }
  try {
    await new OpenAI({ baseURL, apiKey: otherKey, maxRetries: 0 }).responses.retrieve(first.id);
  } catch (e) {
    errors.otherPrincipal = { class: e.constructor.name, notFoundError: e instanceof OpenAI.NotFoundError, status: e.status };
  }
  out.errors = errors;
} catch (e) {
  out.error = String(e?.stack ?? e);
}
console.log(JSON.stringify(out));
