// The OpenAI Agents SDK against the door: an agent with a function tool, and an agent answering codex's
// approvals through hostedMcpTool (one approved, whose command runs; one rejected, whose command does not).
// Prints one JSON summary; OpenAiJsClientsLiveTest asserts on it.
import { Agent, hostedMcpTool, run, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled, tool } from "@openai/agents";
import OpenAI from "openai";
import { z } from "zod";

const [baseURL, apiKey] = process.argv.slice(2);
setDefaultOpenAIClient(new OpenAI({ baseURL, apiKey, maxRetries: 0 }));
setOpenAIAPI("responses");
setTracingDisabled(true);
const out = {};
try {
  const executed = [];
  const weather = tool({
    name: "weather",
    description: "The weather in a city",
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      executed.push(city);
      return `cold in ${city}, -3 C`;
    },
  });
  const forecaster = new Agent({ name: "forecaster", model: "codex", tools: [weather] });
  const forecast = await run(forecaster, "weather in Tromso?");
  out.tool = { finalOutput: forecast.finalOutput, executed,
    items: forecast.newItems.map((i) => i.type) };

  const coder = new Agent({ name: "coder", model: "codex",
    tools: [hostedMcpTool({ serverLabel: "codex", serverUrl: "https://codex.invalid", requireApproval: "always" })] });
  const approvals = [];
  for (const [input, approve] of [["make agents-yes", true], ["make agents-no", false]]) {
    let result = await run(coder, input);
    const asked = [];
    while (result.interruptions?.length) {
      for (const ask of result.interruptions) {
        asked.push({ type: ask.type, name: ask.rawItem.name, arguments: ask.rawItem.providerData?.arguments,
          serverLabel: ask.rawItem.providerData?.server_label });
        approve ? result.state.approve(ask) : result.state.reject(ask);
      }
      result = await run(coder, result.state);
    }
    approvals.push({ input, approve, asked, finalOutput: result.finalOutput });
  }
  out.approvals = approvals;
} catch (e) {
  out.error = String(e?.stack ?? e);
}
console.log(JSON.stringify(out));
