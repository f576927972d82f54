// Vercel's AI SDK with its OpenAI provider against the door: generateText, streamText, and a tool whose call
// codex makes and whose result, re-sent with the whole history, goes on with the turn. Prints one JSON
// summary; OpenAiJsClientsLiveTest asserts on it.
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, stepCountIs, streamText, tool } from "ai";
import { z } from "zod";

const [baseURL, apiKey] = process.argv.slice(2);
const openai = createOpenAI({ baseURL, apiKey });
const out = {};
try {
  const generated = await generateText({ model: openai("codex"), prompt: "say three", maxRetries: 0 });
  out.generate = { text: generated.text, finishReason: generated.finishReason, responseId: generated.response.id };

  const streamed = streamText({ model: openai("codex"), prompt: "say four", maxRetries: 0 });
  const parts = [];
  for await (const part of streamed.textStream) parts.push(part);
  out.stream = { parts, text: await streamed.text, finishReason: await streamed.finishReason };

  const executed = [];
  const withTool = await generateText({
    model: openai("codex"),
    prompt: "weather in Lima?",
    maxRetries: 0,
    stopWhen: stepCountIs(3),
    tools: {
      weather: tool({
        description: "The weather in a city",
        inputSchema: z.object({ city: z.string() }),
        execute: async ({ city }) => {
          executed.push(city);
          return `mild in ${city}, 18 C`;
        },
      }),
    },
  });
  out.tool = { text: withTool.text, executed, steps: withTool.steps.length,
    toolCalls: withTool.steps.flatMap((s) => s.toolCalls.map((c) => ({ name: c.toolName, input: c.input }))),
    finishReason: withTool.finishReason };
} catch (e) {
  out.error = String(e?.stack ?? e);
}
console.log(JSON.stringify(out));
