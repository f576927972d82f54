// Drives codex-bridge's A2A server with the A2A JS SDK's ClientFactory through its v0.3
// compatibility layer: the card it is given lists only the server's JSON-RPC 0.3 interface (the
// 1.0 ones: a2a-js-v1-client.mjs). Prints one JSON object with what it saw; A2aJsClientLiveTest
// judges it. Usage: node a2a-js-client.mjs URL TOKEN OTHER_TOKEN
import { ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { as, message, state, text } from './a2a-js-common.mjs';

const [url, token, otherToken] = process.argv.slice(2);
const legacyCompat = { enabled: true };
const card = await new DefaultAgentCardResolver({ legacyCompat }).resolve(url);
const legacyOnly = { ...card, supportedInterfaces: card.supportedInterfaces.filter((i) => i.protocolVersion === '0.3') };
const client = await new ClientFactory({
  transports: [new JsonRpcTransportFactory({ legacyCompat })],
  cardResolver: new DefaultAgentCardResolver({ legacyCompat }),
}).createFromNormalizedAgentCard(legacyOnly);
if (client.protocolVersion !== '0.3') {
  throw new Error('expected the 0.3 transport, got ' + client.protocolVersion);
}
const out = {};

// send: completed with the answer
const sent = await client.sendMessage(message({ $case: 'text', value: 'hello from js' }), as(token));
const task = sent.payload?.$case === 'task' ? sent.payload.value : sent;
out.send = { state: state(task.status), answer: text(task.artifacts.find((a) => a.name === 'answer')?.parts ?? []) };

// stream: events in order until codex asks; the answer in the same task, streamed to its end
const events = [];
let asked;
for await (const e of client.sendMessageStream(message({ $case: 'text', value: 'please run it' }), as(token))) {
  const v = e.payload.value;
  if (e.payload.$case === 'task') {
    events.push('task:' + state(v.status));
  } else if (e.payload.$case === 'statusUpdate') {
    events.push('status:' + state(v.status));
    if (state(v.status) === 'TASK_STATE_INPUT_REQUIRED') {
      asked = v;
    }
  } else {
    events.push(e.payload.$case);
  }
}
out.stream = { events };
const data = asked.status.message.parts.find((p) => p.content?.$case === 'data').content.value;
out.request = { kind: data.codexRequest.kind, decisions: data.decisions };
const answered = [];
for await (const e of client.sendMessageStream(
  message({ $case: 'data', value: { decision: 'accept' } }, { taskId: asked.taskId }), as(token))) {
  const v = e.payload.value;
  answered.push(e.payload.$case === 'artifactUpdate' ? 'artifact:' + v.artifact.name : e.payload.$case + ':' + state(v.status));
  if (e.payload.$case === 'artifactUpdate' && v.artifact.name === 'answer') {
    out.answer = text(v.artifact.parts);
  }
}
out.answered = answered;

// another principal: the task is not found
try {
  await client.getTask({ id: asked.taskId, historyLength: 0, tenant: '' }, as(otherToken));
  out.otherPrincipal = 'found';
} catch (e) {
  out.otherPrincipal = String(e.message);
}
console.log(JSON.stringify(out));
