/**
 * Codex behind OpenAI's HTTP API (docs/openai.md): the Responses API and Chat Completions, so
 * that OpenAI's SDKs and the clients built on them drive codex agents with the host's approvals,
 * tenants and store. Entry point: {@link dev.codexbridge.openai.OpenAiServer}.
 */
@NullMarked
package dev.codexbridge.openai;

import org.jspecify.annotations.NullMarked;
