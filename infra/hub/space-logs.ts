import { createRedactor } from "../../service/src/secrets.ts";
import type { HubClient } from "./hub-client.ts";

/**
 * The last lines of a Space's build or run log. The Hub streams logs as SSE, one
 * `data: {"data": "<line>", "timestamp": "..."}` event per line and empty `data:` events
 * as keep-alives, and keeps the stream open: we read what is buffered for a moment, then
 * let go (as huggingface_hub's fetch_space_logs does without follow).
 */
export type LogKind = "build" | "run";

export async function readLogTail(
  hub: HubClient,
  repoId: string,
  kind: LogKind,
  options: { maxLines?: number; waitMs?: number; redact?: (text: string) => string } = {},
): Promise<string[]> {
  const maxLines = options.maxLines ?? 40;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.waitMs ?? 3_000);
  const lines: string[] = [];
  try {
    const response = await hub.raw(`/api/spaces/${repoId}/logs/${kind}`, {
      signal: controller.signal,
      headers: { Accept: "text/event-stream" },
    });
    for await (const line of dataLines(response.body, controller.signal)) {
      lines.push(line);
      if (lines.length > maxLines) lines.shift();
    }
  } catch (error) {
    // A timeout ends the read; the lines so far are the tail.
    if ((error as Error)?.name !== "AbortError") throw error;
  } finally {
    clearTimeout(timer);
  }
  // A log could echo an environment variable: the caller's redactor scrubs the service's secrets.
  const redact = options.redact ?? createRedactor([hub.token]);
  return lines.map(redact);
}

async function* dataLines(body: ReadableStream<Uint8Array> | null, signal: AbortSignal): AsyncGenerator<string> {
  if (!body) return;
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    while (!signal.aborted) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, "");
        buffer = buffer.slice(newline + 1);
        if (!line.startsWith("data: {")) continue;
        try {
          const event = JSON.parse(line.slice("data: ".length)) as { data?: unknown };
          if (typeof event.data === "string") yield event.data.replace(/\n$/, "");
        } catch {
          // a malformed event is skipped, as the Python client does
        }
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
