import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { createParser } from "eventsource-parser";
import type { TokenUsage } from "../answer/answer-generator.ts";
import { generationRequestAttributes, generationResponseAttributes } from "../telemetry/gen-ai.ts";
import { inSpan, SpanKind } from "../telemetry/spans.ts";
import { GEMINI_API_URL, GEMINI_API_VERSION, modelResource, type Content, type GenerateContentResponse, type UsageMetadata } from "./api.ts";
import { geminiError, GeminiError } from "./gemini-error.ts";
import type { ThinkingConfig } from "./thinking.ts";

export interface StreamGenerateRequest {
  contents: Content[];
  systemInstruction: string;
  /** Sent only when set: the 3.x models no longer take it (see thinking.ts). */
  temperature?: number | undefined;
  /** Sent only when set: undefined leaves the model's own thinking (or a model without it). */
  thinkingConfig?: ThinkingConfig | undefined;
  maxOutputTokens?: number | undefined;
}

/** What the stream said about itself besides its text: its last chunk's usage, finish reason and model. */
export interface StreamOutcome {
  usage: TokenUsage | undefined;
  /** The first candidate's finishReason ("STOP", "MAX_TOKENS"...). */
  finishReason: string | undefined;
  responseModel: string | undefined;
  responseId: string | undefined;
}

/**
 * Gemini's streamGenerateContent (`?alt=sse`), read straight off a keep-alive socket, with
 * eventsource-parser for the SSE framing.
 *
 * Why not the SDK's generateContentStream: for every event it parses the JSON three times
 * (once as a thrown SyntaxError on the raw chunk), builds a WHATWG Response and runs its
 * converters: several times the CPU per event of this reader, the service's whole core under
 * load (figures in the docs). Failures are
 * GeminiErrors, as the embedder's are, so one mapping (fromGeminiError) serves both.
 */
export class GeminiStreamClient {
  readonly #base: URL;
  readonly #apiKey: string;
  readonly #agent: http.Agent;
  readonly #transport: typeof http | typeof https;
  readonly #onUsage: ((usage: TokenUsage) => void) | undefined;
  readonly #onModelVersion: ((model: string, served: string) => void) | undefined;

  /**
   * `onUsage` hears every call's token usage (answers and rewrites alike): the metrics' feed.
   * `onModelVersion` hears, once per stream, which model answered (its `modelVersion`).
   */
  constructor(options: {
    apiKey: string;
    baseUrl?: string | undefined;
    apiVersion?: string;
    onUsage?: ((usage: TokenUsage) => void) | undefined;
    onModelVersion?: (model: string, served: string) => void;
  }) {
    const base = options.baseUrl ?? GEMINI_API_URL;
    this.#base = new URL(`${options.apiVersion ?? GEMINI_API_VERSION}/`, base.endsWith("/") ? base : `${base}/`);
    this.#apiKey = options.apiKey;
    this.#onModelVersion = options.onModelVersion;
    this.#transport = this.#base.protocol === "https:" ? https : http;
    // One pool per process: a stream's socket serves the next one instead of a new TLS handshake.
    this.#agent = new this.#transport.Agent({ keepAlive: true });
    this.#onUsage = options.onUsage;
  }

  /**
   * Streams the text of each chunk into `onText` as it arrives, and resolves when the answer
   * is complete. Aborting the signal closes the upstream request and rejects with its reason.
   *
   * Pieces are handed over from the socket's data event, not through an async iterator: at
   * hundreds of streams every promise per piece is CPU the relay does not have.
   *
   * Each call is a span following the GenAI semantic conventions (telemetry/gen-ai.ts).
   */
  stream(model: string, request: StreamGenerateRequest, signal: AbortSignal, onText: (text: string) => void): Promise<StreamOutcome> {
    const name = model.replace(/^models\//, "");
    return inSpan(`generate_content ${name}`, { kind: SpanKind.CLIENT }, async (span) => {
      // Attributes are made only for a span that records: with tracing off they would be waste.
      const recording = span.isRecording();
      if (recording) span.setAttributes(generationRequestAttributes({ model: name, temperature: request.temperature, maxOutputTokens: request.maxOutputTokens, server: this.#base }));
      let outcome: StreamOutcome | undefined;
      try {
        outcome = await this.#stream(model, name, request, signal, onText);
        if (outcome.usage) this.#onUsage?.(outcome.usage);
        return outcome;
      } finally {
        if (recording) span.setAttributes(generationResponseAttributes(outcome));
      }
    });
  }

  /** `model` as configured (the URL's, and onModelVersion's), `name` without its "models/" prefix. */
  async #stream(model: string, name: string, request: StreamGenerateRequest, signal: AbortSignal, onText: (text: string) => void): Promise<StreamOutcome> {
    const url = new URL(`${modelResource(model)}:streamGenerateContent?alt=sse`, this.#base);
    const body = JSON.stringify({
      contents: request.contents,
      systemInstruction: { parts: [{ text: request.systemInstruction }] },
      generationConfig: {
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(request.maxOutputTokens !== undefined ? { maxOutputTokens: request.maxOutputTokens } : {}),
        ...(request.thinkingConfig !== undefined ? { thinkingConfig: request.thinkingConfig } : {}),
      },
    });
    const res = await this.#post(url, body, signal).catch((err: unknown) => {
      throw signal.aborted ? signal.reason : err;
    });
    if (res.statusCode !== 200) throw await statusError(res);
    const onModelVersion = this.#onModelVersion;
    return readEvents(res, name, signal, onText, onModelVersion && ((served) => onModelVersion(model, served)));
  }

  #post(url: URL, body: string, signal: AbortSignal, retried = false): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      let answered = false;
      const req = this.#transport.request(
        url,
        {
          method: "POST",
          agent: this.#agent,
          signal,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            "x-goog-api-key": this.#apiKey,
          },
        },
        (res) => {
          answered = true;
          resolve(res);
        },
      );
      req.on("error", (err: NodeJS.ErrnoException) => {
        // A kept-alive socket the server closed just as we reused it: the request went
        // nowhere, so it goes once more on a new socket, as Node's docs advise (reusedSocket).
        if (!answered && !retried && req.reusedSocket && err.code === "ECONNRESET" && !signal.aborted) {
          resolve(this.#post(url, body, signal, true));
        } else {
          reject(err);
        }
      });
      req.end(body);
    });
  }
}

/** Reads the SSE body to its end, handing each chunk's text to `onText`; resolves with what its last chunks said. */
function readEvents(res: IncomingMessage, model: string, signal: AbortSignal, onText: (text: string) => void, onModelVersion?: (served: string) => void): Promise<StreamOutcome> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let versionSeen = onModelVersion === undefined;
    // Kept from the chunks as they pass: the last one carries the whole answer's counts.
    let usage: UsageMetadata | undefined;
    let finishReason: string | undefined;
    let responseModel: string | undefined;
    let responseId: string | undefined;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      res.destroy();
      // As fetch does: an aborted call rejects with the signal's reason, not "aborted".
      reject(signal.aborted ? signal.reason : err);
    };
    const parser = createParser({
      onEvent(event) {
        if (settled) return;
        if (signal.aborted) return fail(signal.reason);
        let chunk: GenerateContentResponse;
        try {
          chunk = JSON.parse(event.data) as typeof chunk;
        } catch (err) {
          return fail(new Error(`Gemini sent an event that is not JSON: ${event.data.slice(0, 200)}`, { cause: err }));
        }
        // An error after the 200, sent as an event of its own.
        if (chunk.error) return fail(geminiError(undefined, event.data));
        if (chunk.usageMetadata !== undefined) usage = chunk.usageMetadata;
        if (chunk.modelVersion !== undefined) {
          responseModel = chunk.modelVersion;
          if (!versionSeen) {
            versionSeen = true;
            onModelVersion!(chunk.modelVersion);
          }
        }
        if (chunk.responseId !== undefined) responseId = chunk.responseId;
        const reason = chunk.candidates?.[0]?.finishReason;
        if (reason !== undefined) finishReason = reason;
        const text = textOf(chunk);
        if (!text) return;
        try {
          onText(text);
        } catch (err) {
          fail(err);
        }
      },
    });
    res.setEncoding("utf8");
    res.on("data", (piece: string) => parser.feed(piece));
    res.on("end", () => {
      if (settled) return;
      settled = true;
      resolve({ usage: usage && tokenUsage(usage, responseModel ?? model), finishReason, responseModel, responseId });
    });
    res.on("error", fail);
    // A socket closed before the body's end (a cut, an abort) may end the body without an error.
    res.on("close", () => fail(new Error("The Gemini stream closed before its end.")));
  });
}

/** Gemini's counts as the service keeps them; a count Gemini left out (no thinking) is 0. */
function tokenUsage(metadata: UsageMetadata, model: string): TokenUsage {
  const inputTokens = metadata.promptTokenCount ?? 0;
  const outputTokens = metadata.candidatesTokenCount ?? 0;
  const thinkingTokens = metadata.thoughtsTokenCount ?? 0;
  return { model, inputTokens, outputTokens, thinkingTokens, totalTokens: metadata.totalTokenCount ?? inputTokens + outputTokens + thinkingTokens };
}

/** The text parts of a chunk's first candidate, as the SDK's `.text` joins them (thoughts left out). */
function textOf(chunk: GenerateContentResponse): string {
  const parts = chunk.candidates?.[0]?.content?.parts;
  if (!parts) return "";
  let text = "";
  for (const part of parts) if (typeof part.text === "string" && !part.thought) text += part.text;
  return text;
}

/** A non-200 answer, read to its end. */
async function statusError(res: IncomingMessage): Promise<GeminiError> {
  res.setEncoding("utf8");
  let text = "";
  for await (const piece of res as AsyncIterable<string>) text += piece;
  return geminiError(res.statusCode ?? 500, text, res.statusMessage);
}
