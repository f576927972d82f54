// Drives codex-bridge's A2A server with the A2A JS SDK's ClientFactory on A2A 1.0, over the
// binding named on the command line (JSONRPC or HTTP+JSON), as the SDK picks it from the agent
// card. Prints one JSON object with what it saw; A2aJsV1ClientLiveTest judges it.
// Usage: node a2a-js-v1-client.mjs URL TOKEN OTHER_TOKEN BINDING WEBHOOK_URL
import { ClientFactory, ClientFactoryOptions } from '@a2a-js/sdk/client';
import { as, message, state, text } from './a2a-js-common.mjs';

const [url, token, otherToken, binding, webhook] = process.argv.slice(2);
const client = await new ClientFactory(
  ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { preferredTransports: [binding] }),
).createFromUrl(url);
const failure = async (f) => {
  try {
    await f();
    return 'no error';
  } catch (e) {
    return `${e.name}: ${e.message}`;
  }
};
const out = { binding: client.transport.protocolName, version: client.protocolVersion };

// send: completed with the answer
const sent = await client.sendMessage(message({ $case: 'text', value: 'hello over ' + binding }), as(token));
out.send = { state: state(sent.status), answer: text(sent.artifacts.find((a) => a.name === 'answer')?.parts ?? []) };

// stream: every event in order, to completed
const events = [];
for await (const e of client.sendMessageStream(message({ $case: 'text', value: 'stream please' }), as(token))) {
  const v = e.payload.value;
  events.push(e.payload.$case === 'artifactUpdate' ? 'artifact:' + v.artifact.name
    : e.payload.$case === 'task' ? 'task:' + state(v.status) : e.payload.$case + ':' + state(v.status));
}
out.stream = events;

// cancel: codex asks, the caller cancels instead of answering
const asked = await client.sendMessage(message({ $case: 'text', value: 'run it' }), as(token));
// resubscribing to a task that waits for the caller: the task as it is, pending request and all, then the end
out.resubscribe = [];
for await (const e of client.resubscribeTask({ id: asked.id, tenant: '' }, as(token))) {
  out.resubscribe.push(e.payload.$case + ':' + state(e.payload.value.status)
    + ':' + (e.payload.value.status.message?.parts.find((p) => p.content?.$case === 'data')?.content.value.codexRequest?.kind ?? ''));
}
const canceled = await client.cancelTask({ id: asked.id, tenant: '', metadata: undefined }, as(token));
out.cancel = { asked: state(asked.status), canceled: state(canceled.status),
  again: await failure(() => client.cancelTask({ id: asked.id, tenant: '', metadata: undefined }, as(token))) };

// list: only the caller's own tasks, a page at a time
const list = (t, pageSize, pageToken = '') => client.listTasks({ tenant: '', contextId: '', status: 0, pageSize, pageToken,
  historyLength: undefined, statusTimestampAfter: undefined, includeArtifacts: true }, as(t));
const first = await list(token, 2);
const second = await list(token, 2, first.nextPageToken);
out.list = { total: first.totalSize, first: first.tasks.map((t) => t.id), second: second.tasks.map((t) => t.id),
  last: second.nextPageToken, mine: [sent.id, asked.id], firstHasArtifacts: first.tasks[1].artifacts.length > 0 };
out.otherList = (await list(otherToken, 10)).totalSize;
out.otherGet = await failure(() => client.getTask({ id: sent.id, tenant: '', historyLength: undefined }, as(otherToken)));

// push configs on a task: create, get, list, delete
const config = { tenant: '', id: '', taskId: sent.id, url: webhook, token: 'note-token',
  authentication: { scheme: 'Bearer', credentials: 'hook-secret' } };
const made = await client.createTaskPushNotificationConfig(config, as(token));
const got = await client.getTaskPushNotificationConfig({ tenant: '', taskId: sent.id, id: made.id }, as(token));
const listed = await client.listTaskPushNotificationConfig({ tenant: '', taskId: sent.id, pageSize: 0, pageToken: '' }, as(token));
await client.deleteTaskPushNotificationConfig({ tenant: '', taskId: sent.id, id: made.id }, as(token));
const after = await client.listTaskPushNotificationConfig({ tenant: '', taskId: sent.id, pageSize: 0, pageToken: '' }, as(token));
out.push = { id: made.id, url: got.url, token: got.token, scheme: got.authentication?.scheme, listed: listed.configs.length,
  afterDelete: after.configs.length,
  other: await failure(() => client.listTaskPushNotificationConfig({ tenant: '', taskId: sent.id, pageSize: 0, pageToken: '' }, as(otherToken))),
  bad: await failure(() => client.createTaskPushNotificationConfig({ ...config, url: 'file:///etc/passwd' }, as(token))) };
console.log(JSON.stringify(out));
