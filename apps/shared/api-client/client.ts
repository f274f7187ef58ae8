import createClient from "openapi-fetch";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { components, paths } from "./schema";

/**
 * The one way clients (the CLI, the web console) call the API: openapi-fetch typed by
 * `paths`, which openapi-typescript generates from docs/openapi.yaml. A route or schema change
 * the clients do not follow fails to compile.
 */
export type Job = components["schemas"]["Job"];
export type JobPage = components["schemas"]["JobPage"];
export type DryRunResult = components["schemas"]["DryRunResult"];
export type Manifests = components["schemas"]["Manifests"];
export type StreamEvent = components["schemas"]["StreamEvent"];
export type ApiProblem = components["schemas"]["Error"];

export const createApiClient = (baseUrl: string, token?: string) =>
  createClient<paths>({ baseUrl: baseUrl.replace(/\/$/, ""), headers: token ? { authorization: `Bearer ${token}` } : {} });
export type ApiClient = ReturnType<typeof createApiClient>;

/** Server-Sent Events from a response body (eventsource-parser does the framing). */
export async function* sseMessages(body: ReadableStream<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => queue.push(e) });
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.feed(value);
      while (queue.length > 0) yield queue.shift()!;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
