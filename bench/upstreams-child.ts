// The bench's upstreams in a process of their own: the Gemini and Qdrant emulators, driven
// by the bench over the IPC channel (see upstreams.ts). Sharing the load generator's event
// loop, the emulators' streaming delayed the generator's reads: the figures were partly
// the bench's own queueing.
import { startGeminiEmulator, type StreamProfile } from "../emulators/gemini/gemini.ts";
import { startQdrantEmulator } from "../emulators/qdrant/qdrant.ts";

export type UpstreamsRequest =
  | { id: number; op: "profile"; profile: Partial<StreamProfile> }
  | { id: number; op: "answer"; text: string | null }
  | { id: number; op: "resetCounts" }
  | { id: number; op: "counts" };

export type UpstreamsMessage =
  | { ready: true; gemini: { url: string; apiKey: string }; qdrant: { url: string; apiKey: string } }
  | { id: number; result?: unknown; error?: string };

export interface UpstreamCounts {
  /** Embedding requests (embedContent, batchEmbedContents) since the last reset. */
  embedCalls: number;
}

const [geminiPort, qdrantPort, qdrantKey] = [Number(process.argv[2] ?? 0), Number(process.argv[3] ?? 0), process.argv[4] ?? "bench-qdrant-key"];
const send = (message: UpstreamsMessage) => process.send!(message);

// No thinking time unless a scenario sets one: the figures are the service's own latency.
const gemini = await startGeminiEmulator({ port: geminiPort, streamProfile: { thinkingMs: 0 } });
const qdrant = await startQdrantEmulator({ port: qdrantPort, apiKey: qdrantKey });

// The emulators log every request with its body (prompts, 768-number vectors). The bench
// needs only a count, so the logs are counted and emptied often: the heap stays small.
const isEmbedCall = (path: string) => /:(batchEmbedContents|embedContent)\b/.test(path);
let embedCalls = 0;
const drainLogs = () => {
  for (const r of gemini.requests) if (isEmbedCall(r.path)) embedCalls++;
  gemini.requests.length = 0;
  qdrant.requests.length = 0;
};
const drainTimer = setInterval(drainLogs, 250);

process.on("message", (request: UpstreamsRequest) => {
  switch (request.op) {
    case "profile":
      gemini.setStreamProfile(request.profile);
      return send({ id: request.id });
    case "answer":
      gemini.setAnswer(request.text);
      return send({ id: request.id });
    case "resetCounts":
      drainLogs();
      embedCalls = 0;
      return send({ id: request.id });
    case "counts":
      drainLogs();
      return send({ id: request.id, result: { embedCalls } satisfies UpstreamCounts });
    default:
      return send({ id: (request as { id: number }).id, error: `unknown op ${(request as { op: unknown }).op}` });
  }
});

// The parent going away (crash, Ctrl-C) closes the channel: close the emulators with it.
process.on("disconnect", () => {
  clearInterval(drainTimer);
  void Promise.all([gemini.close(), qdrant.close()]).finally(() => process.exit(0));
});

send({ ready: true, gemini: { url: gemini.url, apiKey: gemini.apiKey }, qdrant: { url: qdrant.url, apiKey: qdrant.apiKey } });
