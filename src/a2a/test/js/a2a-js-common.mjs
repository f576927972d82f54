// What both client scripts build their calls from: the caller's token, a user message, a task's
// state name and the text of parts, in the A2A JS SDK's 1.0 model.
import { Role, TaskState } from '@a2a-js/sdk';

export const as = (t) => ({ serviceParameters: { Authorization: `Bearer ${t}` } });
const part = (content) => ({ content, metadata: undefined, filename: '', mediaType: '' });
export const message = (content, ids = {}) => ({
  message: { messageId: crypto.randomUUID(), role: Role.ROLE_USER, parts: [part(content)], ...ids },
});
export const state = (s) => TaskState[s.state];
export const text = (parts) => parts.filter((p) => p.content?.$case === 'text').map((p) => p.content.value).join('\n');
