// An emulator of the Gemini API (generativelanguage.googleapis.com) for what the service and
// its tests call through @google/genai: streamGenerateContent (SSE), generateContent,
// batchEmbedContents and embedContent, models.get, and the OpenAI-compatible chat and
// embeddings routes. Answers are deterministic; faults (status errors with the real bodies,
// hangs, cut streams, slow answers) and the stream's timing are set per test.
//
// Test code, never shipped. Point @google/genai at it with `httpOptions: { baseUrl: emulator.url }`.
import type { IncomingMessage, ServerResponse } from "node:http";
import { defaultAnswer, estimateTokens, randomId, splitIntoPieces } from "./answer.ts";
import { embed } from "./embeddings.ts";
import { errorBody, invalidKeyBody, missingKeyBody, modelNotFoundBody, quotaBody, type GeminiErrorBody } from "./errors.ts";
import { KNOWN_MODELS, modelId, type KnownModel } from "./models.ts";
import { SHUT_DOWN_MODELS, shutDownBody } from "./shutdown.ts";
import { fitToOutputCap, openAiThinkingShare, thinkingOf } from "./thinking.ts";
import { FaultList, stateFaultSwitch, type Fault, type StatusFault } from "../core/faults.ts";
import { pause } from "../core/http.ts";
import { answerFault, openExchange, type Exchange, type LoggedRequest } from "../core/request-log.ts";
import { match, route, type Route } from "../core/router.ts";
import { startServer } from "../core/server.ts";

export type GeminiRouteKind = "generate" | "stream" | "embed" | "models" | "openai-chat" | "openai-embed" | "other";

/** "generate" covers stream, generate and openai-chat; "embed" covers embed and openai-embed. */
export type GeminiFaultRoute = "generate" | "embed" | "models" | "all";

/** The emulators' one fault shape; a 429's `retryAfter` is the RetryInfo delay (default 30 s, null: none). */
export type GeminiFault = Fault<GeminiFaultRoute>;

/**
 * The answer's timing: first piece after `firstTokenDelayMs` plus the thinking time, then one
 * every `tokenDelayMs`. `thinkingMs` is how long a request that leaves thinking fully on
 * (a 2.5 model without thinkingConfig, dynamic budget, level high) thinks first; requests
 * that turn it down think a share of it, those that turn it off not at all.
 */
export type StreamProfile = { firstTokenDelayMs: number; tokenDelayMs: number; tokens: number; thinkingMs: number };

export type AnswerInfo = { model: string; kind: GeminiRouteKind };
export type AnswerSource = string | ((request: unknown, info: AnswerInfo) => string | Promise<string>);

export type GeminiLoggedRequest = LoggedRequest & {
  model: string | null;
  kind: GeminiRouteKind;
  apiKeyPresent: boolean;
};

export type GeminiEmulatorOptions = {
  port?: number;
  host?: string;
  apiKey?: string;
  /** Further keys accepted besides `apiKey`, e.g. the old and new key of a rotation. */
  extraApiKeys?: string[];
  streamProfile?: Partial<StreamProfile>;
  /** Models that answer 404 as Google's shut-down ones do (default: the real list, gemini-shutdown.ts). */
  shutDownModels?: readonly string[];
  /** Models Google routes to another: each answers with the other's modelVersion. */
  routedModels?: Record<string, string>;
};

export type GeminiEmulator = {
  url: string;
  apiKey: string;
  requests: GeminiLoggedRequest[];
  /** Replaces the fault in force (null: none); a fault without `times` lasts until replaced. */
  setFault(fault: GeminiFault | null): Promise<void>;
  setStreamProfile(profile: Partial<StreamProfile>): void;
  setAnswer(answer: AnswerSource | null): void;
  /** Streams whose connection is still open: proves an aborted upstream stream was closed. */
  activeStreams(): number;
  /** Clears the log, the fault, the answer and the stream profile. */
  reset(): void;
  close(): Promise<void>;
};

// Thinking is on by default as in the real API, but short: tests not about it stay fast, and a
// benchmark that sets a realistic thinkingMs (seconds) measures what turning it off saves.
const DEFAULT_PROFILE: StreamProfile = { firstTokenDelayMs: 0, tokenDelayMs: 0, tokens: 20, thinkingMs: 20 };
const MAX_BATCH = 100;

/** What a request's path names: its kind, the model and action, and the API version. */
type Call = { kind: GeminiRouteKind; model: string | null; action: string | null; version: string };

/** A route of the API, tagged with its kind (what the log, the faults and the key check go by). */
type GeminiRoute<Context> = Route<Context, void> & { kind: GeminiRouteKind };

const geminiRoute = <Context>(kind: GeminiRouteKind, method: string, pattern: RegExp, handle: GeminiRoute<Context>["handle"]): GeminiRoute<Context> => ({
  kind,
  ...route(method, pattern, handle),
});

const isOpenAi = (kind: GeminiRouteKind) => kind === "openai-chat" || kind === "openai-embed";

/** A status fault's answer: Gemini's error body, a 429 with its quota details and RetryInfo. */
function faultAnswer(fault: StatusFault, kind: GeminiRouteKind, model: string | null, openai: boolean) {
  let body: GeminiErrorBody;
  if (fault.status === 429) {
    const scope = kind === "embed" || kind === "openai-embed" ? "embed" : "generate";
    body = quotaBody(model || "gemini-2.5-flash", scope, fault.retryAfter === undefined ? 30 : fault.retryAfter);
  } else {
    body = errorBody(fault.status, fault.message);
  }
  // The OpenAI-compatible routes wrap the same error in a list.
  return { status: fault.status, body: openai ? [body] : body };
}

function faultCovers(route: GeminiFaultRoute, kind: GeminiRouteKind): boolean {
  if (route === "all") return true;
  if (route === "generate") return kind === "generate" || kind === "stream" || kind === "openai-chat";
  if (route === "embed") return kind === "embed" || kind === "openai-embed";
  return kind === "models";
}

function apiKeyOf(req: IncomingMessage, url: URL, openai: boolean): string | null {
  const header = req.headers["x-goog-api-key"];
  if (typeof header === "string" && header.length > 0) return header;
  if (openai) {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
    if (bearer) return bearer[1]!.trim();
  }
  return url.searchParams.get("key");
}

type TextPart = { text?: unknown };
function textOf(content: unknown): string {
  const parts = (content as { parts?: unknown } | undefined)?.parts;
  if (!Array.isArray(parts)) return "";
  return parts.map((p: TextPart) => (typeof p?.text === "string" ? p.text : "")).join("\n");
}

/** Real embeddings come as 32-bit floats; shorter JSON, same meaning. Most of our values are 0, which needs no rounding. */
const asFloat = (v: number) => (v === 0 ? 0 : Number(v.toPrecision(9)));

export async function startGeminiEmulator(options: GeminiEmulatorOptions = {}): Promise<GeminiEmulator> {
  const apiKey = options.apiKey ?? "test-gemini-key";
  const acceptedKeys = new Set([apiKey, ...(options.extraApiKeys ?? [])]);
  const requests: GeminiLoggedRequest[] = [];
  const shutDown = new Set(options.shutDownModels ?? SHUT_DOWN_MODELS);
  const routed = new Map(Object.entries(options.routedModels ?? {}));
  let profile: StreamProfile = { ...DEFAULT_PROFILE, ...options.streamProfile };
  const faults = new FaultList<GeminiFaultRoute>(Number.POSITIVE_INFINITY);
  let answer: AnswerSource | null = null;
  let active = 0;

  async function answerText(body: unknown, info: AnswerInfo): Promise<{ text: string; pad: boolean }> {
    if (answer === null) return { text: defaultAnswer(body), pad: true };
    if (typeof answer === "string") return { text: answer, pad: false };
    return { text: await answer(body, info), pad: false };
  }

  // @google/genai 3.1 calls /v1 by default; older clients and raw REST use /v1beta.
  const call = (kind: GeminiRouteKind, version: string, id: string, action: string): Call => ({ kind, model: modelId(id), action, version });
  const routes: Array<GeminiRoute<Ctx>> = [
    geminiRoute("models", "GET", /^\/(v1|v1beta)\/models\/?$/, (ctx, version) => models(ctx, { kind: "models", model: null, action: "list", version: version! })),
    geminiRoute("models", "GET", /^\/(v1|v1beta)\/models\/([^/:]+)$/, (ctx, version, id) => models(ctx, call("models", version!, id!, "get"))),
    geminiRoute("generate", "POST", /^\/(v1|v1beta)\/models\/([^/:]+):(generateContent)$/, (ctx, version, id, action) =>
      generate(ctx, call("generate", version!, id!, action!), ctx.body, false),
    ),
    geminiRoute("stream", "POST", /^\/(v1|v1beta)\/models\/([^/:]+):(streamGenerateContent)$/, (ctx, version, id, action) =>
      generate(ctx, call("stream", version!, id!, action!), ctx.body, ctx.ex.url.searchParams.get("alt") === "sse"),
    ),
    geminiRoute("embed", "POST", /^\/(v1|v1beta)\/models\/([^/:]+):(batchEmbedContents|embedContent)$/, (ctx, version, id, action) =>
      embedNative(ctx, call("embed", version!, id!, action!), ctx.body),
    ),
    geminiRoute("openai-chat", "POST", /^\/v1beta\/openai\/chat\/completions$/, (ctx) => openAiChat(ctx, ctx.body)),
    geminiRoute("openai-embed", "POST", /^\/v1beta\/openai\/embeddings$/, (ctx) => openAiEmbed(ctx, ctx.body)),
  ];

  const server = await startServer({ name: "gemini", port: options.port, host: options.host, handle, crashBody: () => errorBody(500) });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ex = await openExchange<GeminiLoggedRequest>(req, res, {
      log: requests,
      hiddenQuery: ["key"],
      closing: () => server.closing,
      describe: ({ url, method, json, req: request }) => {
        const found = match(routes, method, url.pathname);
        const kind = found?.route.kind ?? "other";
        const body = json.ok ? json.value : undefined;
        // The native routes name the model in the path (their second group), the OpenAI ones in the body.
        const pathModel = found?.groups[1];
        return {
          model: isOpenAi(kind) ? modelId(String((body as { model?: unknown } | undefined)?.model ?? "")) : pathModel ? modelId(pathModel) : null,
          kind,
          apiKeyPresent: apiKeyOf(request, url, isOpenAi(kind)) !== null,
        };
      },
    });
    if (ex === null) return;
    const { url, method, entry } = ex;
    const found = match(routes, method, url.pathname);
    const kind = entry.kind;
    const openai = isOpenAi(kind);
    const key = apiKeyOf(req, url, openai);
    const body = ex.json.ok ? ex.json.value : ex.raw.toString("utf8");
    const requestModel = entry.model;
    const isStream = kind === "stream" || (kind === "openai-chat" && (body as { stream?: unknown } | undefined)?.stream === true);
    if (isStream) {
      active += 1;
      res.on("close", () => (active -= 1));
    }

    // The OpenAI-compatible routes wrap the same error in a list.
    const fail = (status: number, error: GeminiErrorBody) => ex.reply(status, openai ? [error] : error);
    const cut = () => {
      ex.markCut();
      // destroySoon flushes what was written, then closes: the client sees the body end early.
      const socket = res.socket;
      if (socket) socket.destroySoon();
      else res.destroy();
    };

    if (key === null) return fail(403, missingKeyBody());
    if (!acceptedKeys.has(key)) return fail(400, invalidKeyBody());
    if (found === null) return fail(404, errorBody(404, `Method not found: ${method} ${url.pathname}`));
    if (!ex.json.ok) return fail(400, errorBody(400, `Invalid JSON payload received. ${ex.json.error}`));
    if (requestModel !== null && shutDown.has(requestModel)) return fail(404, shutDownBody(requestModel));

    const hit = faults.take({ method, path: url.pathname, covers: (group) => faultCovers(group, kind) });
    const streamCut = hit?.kind === "cut" && isStream ? hit : null;
    if (streamCut) entry.fault = "cut";
    else if (hit && (await answerFault(ex, hit, (fault) => faultAnswer(fault, kind, requestModel, openai)))) return;
    const cutAfter = streamCut ? (streamCut.afterTokens ?? 0) : undefined;

    await found.route.handle({ ex, body, cut, fail, profile: { ...profile }, cutAfter }, ...found.groups);
  }

  type Ctx = {
    ex: Exchange<GeminiLoggedRequest>;
    /** The parsed JSON body. */
    body: unknown;
    cut: () => void;
    fail: (status: number, error: GeminiErrorBody) => void;
    profile: StreamProfile;
    cutAfter: number | undefined;
  };

  function known(model: string | null, kind: KnownModel["kind"]): KnownModel | null {
    const found = model === null ? undefined : KNOWN_MODELS.get(model);
    return found && found.kind === kind ? found : null;
  }

  function ok(ctx: Ctx, body: unknown) {
    ctx.ex.reply(200, body);
  }

  function models(ctx: Ctx, route: Call) {
    if (route.model === null) return ok(ctx, { models: [...KNOWN_MODELS.entries()].filter(([id]) => !shutDown.has(id)).map(([, m]) => m.info) });
    const found = KNOWN_MODELS.get(route.model);
    if (!found) return ctx.fail(404, modelNotFoundBody(route.model, "get", route.version));
    return ok(ctx, found.info);
  }

  /**
   * Sends the pieces with the profile's timing: headers and the first piece together after
   * the first-token delay (as the real API, whose headers come with the first chunk).
   */
  async function streamPieces(ctx: Ctx, pieces: string[], contentType: string, frame: (piece: string, index: number, last: boolean) => string, trailer = "") {
    const { ex, profile } = ctx;
    const { res, gone } = ex;
    if (!(await pause(profile.firstTokenDelayMs, gone))) return;
    ex.entry.status = 200;
    res.writeHead(200, {
      "content-type": contentType,
      "content-disposition": "attachment",
      vary: "Origin, X-Origin, Referer",
      "x-content-type-options": "nosniff",
      server: "scaffolding on HTTPServer2",
    });
    res.flushHeaders();
    // A cut always leaves the last piece unsent, so the stream never looks complete.
    const cutAt = ctx.cutAfter === undefined ? undefined : Math.min(Math.max(0, ctx.cutAfter), pieces.length - 1);
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0 && profile.tokenDelayMs > 0) {
        // A plain timer, the client's departure checked after it: an abortable one per piece
        // costs more than the rest of the emulator's work at thousands of pieces a second.
        await new Promise((resolve) => setTimeout(resolve, profile.tokenDelayMs));
        if (gone.aborted) return;
      }
      if (cutAt !== undefined && i === cutAt) return ctx.cut();
      res.write(frame(pieces[i]!, i, i === pieces.length - 1));
    }
    res.end(trailer);
  }

  async function generate(ctx: Ctx, route: Call, body: unknown, sse: boolean) {
    const model = route.model!;
    const found = known(model, "generation");
    if (!found) return ctx.fail(404, modelNotFoundBody(model, "generateContent", route.version));
    const request = (body ?? {}) as { contents?: unknown; systemInstruction?: unknown };
    if (!Array.isArray(request.contents) || request.contents.length === 0) {
      return ctx.fail(400, errorBody(400, "* GenerateContentRequest.contents: contents is not specified\n"));
    }
    const thinking = thinkingOf(found, body);
    if (!thinking.ok) return ctx.fail(400, thinking.error);
    const thinkingMs = Math.round(ctx.profile.thinkingMs * thinking.share);
    const { text, pad } = await answerText(body, { model, kind: route.kind });
    // Thinking tokens count against maxOutputTokens: what they leave is all the text gets.
    const fitted = fitToOutputCap(splitIntoPieces(text, ctx.profile.tokens, pad), thinking.tokens, body, estimateTokens);
    const { pieces, thoughtsTokenCount } = fitted;
    const modelVersion = routed.get(model) ?? model;
    const promptTokens = estimateTokens(JSON.stringify(request.contents) + JSON.stringify(request.systemInstruction ?? ""));
    const responseId = randomId();
    const promptDetails = [{ modality: "TEXT", tokenCount: promptTokens }];
    let produced = 0;
    const chunk = (piece: string, last: boolean) => {
      produced += piece === "" ? 0 : estimateTokens(piece);
      return {
        candidates: [
          { content: { parts: piece === "" ? [] : [{ text: piece }], role: "model" }, ...(last ? { finishReason: fitted.finishReason } : {}), index: 0 },
        ],
        usageMetadata: last
          ? {
              promptTokenCount: promptTokens,
              candidatesTokenCount: produced,
              totalTokenCount: promptTokens + produced + thoughtsTokenCount,
              promptTokensDetails: promptDetails,
              ...(thoughtsTokenCount ? { thoughtsTokenCount } : {}),
            }
          : { promptTokenCount: promptTokens, totalTokenCount: promptTokens, promptTokensDetails: promptDetails },
        modelVersion,
        responseId,
      };
    };

    if (route.kind === "generate") {
      const { firstTokenDelayMs, tokenDelayMs } = ctx.profile;
      if (!(await pause(thinkingMs + firstTokenDelayMs + tokenDelayMs * (pieces.length - 1), ctx.ex.gone))) return;
      return ok(ctx, chunk(pieces.join(""), true));
    }
    ctx.profile.firstTokenDelayMs += thinkingMs;
    if (sse) {
      return streamPieces(ctx, pieces, "text/event-stream", (piece, _i, last) => `data: ${JSON.stringify(chunk(piece, last))}\r\n\r\n`);
    }
    // Without alt=sse the real API streams one JSON array.
    return streamPieces(ctx, pieces, "application/json; charset=UTF-8", (piece, i, last) => `${i === 0 ? "[" : ",\r\n"}${JSON.stringify(chunk(piece, last))}`, "]");
  }

  function embedNative(ctx: Ctx, route: Call, body: unknown) {
    const model = route.model!;
    const found = known(model, "embedding");
    if (!found) return ctx.fail(404, modelNotFoundBody(model, route.action ?? "embedContent", route.version));
    const size = found.embeddingSize!;
    type EmbedRequest = { model?: unknown; content?: unknown; outputDimensionality?: unknown };
    const one = (r: EmbedRequest): number[] | null => {
      const dims = r.outputDimensionality ?? size;
      if (typeof dims !== "number" || !Number.isInteger(dims) || dims < 1 || dims > size) return null;
      return embed(model, textOf(r.content), size, dims).map(asFloat);
    };
    if (route.action === "embedContent") {
      const values = one((body ?? {}) as EmbedRequest);
      if (values === null) return ctx.fail(400, errorBody(400));
      return ok(ctx, { embedding: { values } });
    }
    const list = (body as { requests?: unknown } | undefined)?.requests;
    if (!Array.isArray(list) || list.length === 0) return ctx.fail(400, errorBody(400, "* BatchEmbedContentsRequest.requests: requests is not specified\n"));
    if (list.length > MAX_BATCH) {
      return ctx.fail(400, errorBody(400, `* BatchEmbedContentsRequest.requests: at most ${MAX_BATCH} requests can be in one batch\n`));
    }
    const embeddings: Array<{ values: number[] }> = [];
    for (const [i, r] of (list as EmbedRequest[]).entries()) {
      if (r?.model !== undefined && modelId(String(r.model)) !== model) {
        return ctx.fail(400, errorBody(400, `* BatchEmbedContentsRequest.requests[${i}].model: the model of a request must be the model of the batch\n`));
      }
      const values = one(r ?? {});
      if (values === null) return ctx.fail(400, errorBody(400));
      embeddings.push({ values });
    }
    return ok(ctx, { embeddings });
  }

  async function openAiChat(ctx: Ctx, body: unknown) {
    const request = (body ?? {}) as { model?: unknown; messages?: unknown; stream?: unknown };
    const model = modelId(String(request.model ?? ""));
    if (!Array.isArray(request.messages) || request.messages.length === 0) return ctx.fail(400, errorBody(400, "messages is required"));
    if (!known(model, "generation")) return ctx.fail(404, modelNotFoundBody(model, "generateContent"));
    const thinkingMs = Math.round(ctx.profile.thinkingMs * (model.startsWith("gemini-2.5") || model.startsWith("gemini-3") ? openAiThinkingShare(body) : 0));
    ctx.profile.firstTokenDelayMs += thinkingMs;
    const { text, pad } = await answerText(body, { model, kind: "openai-chat" });
    const pieces = splitIntoPieces(text, ctx.profile.tokens, pad);
    const id = randomId();
    const created = Math.floor(Date.now() / 1000);
    const promptTokens = estimateTokens(JSON.stringify(request.messages));
    const usage = (completion: number) => ({ prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion });
    if (request.stream !== true) {
      const { firstTokenDelayMs, tokenDelayMs } = ctx.profile;
      if (!(await pause(firstTokenDelayMs + tokenDelayMs * (pieces.length - 1), ctx.ex.gone))) return;
      const content = pieces.join("");
      return ok(ctx, {
        id,
        object: "chat.completion",
        created,
        model,
        choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
        usage: usage(estimateTokens(content)),
      });
    }
    let produced = 0;
    return streamPieces(
      ctx,
      pieces,
      "text/event-stream",
      (piece, i, last) => {
        produced += estimateTokens(piece);
        const frame = {
          id,
          object: "chat.completion.chunk",
          created,
          model,
          choices: [{ index: 0, delta: i === 0 ? { role: "assistant", content: piece } : { content: piece }, ...(last ? { finish_reason: "stop" } : {}) }],
          ...(last ? { usage: usage(produced) } : {}),
        };
        return `data: ${JSON.stringify(frame)}\n\n`;
      },
      "data: [DONE]\n\n",
    );
  }

  function openAiEmbed(ctx: Ctx, body: unknown) {
    const request = (body ?? {}) as { model?: unknown; input?: unknown; dimensions?: unknown; encoding_format?: unknown };
    const model = modelId(String(request.model ?? ""));
    const found = known(model, "embedding");
    if (!found) return ctx.fail(404, modelNotFoundBody(model, "embedContent"));
    const inputs = typeof request.input === "string" ? [request.input] : request.input;
    if (!Array.isArray(inputs) || inputs.length === 0 || inputs.some((t) => typeof t !== "string")) return ctx.fail(400, errorBody(400, "input must be a string or a list of strings"));
    if (inputs.length > MAX_BATCH) return ctx.fail(400, errorBody(400, `* BatchEmbedContentsRequest.requests: at most ${MAX_BATCH} requests can be in one batch\n`));
    const size = found.embeddingSize!;
    const dims = request.dimensions ?? size;
    if (typeof dims !== "number" || !Number.isInteger(dims) || dims < 1 || dims > size) return ctx.fail(400, errorBody(400));
    const base64 = request.encoding_format === "base64";
    const data = (inputs as string[]).map((text, index) => {
      const values = embed(model, text, size, dims);
      const embedding = base64 ? Buffer.from(new Float32Array(values).buffer).toString("base64") : values.map(asFloat);
      return { object: "embedding", index, embedding };
    });
    const tokens = (inputs as string[]).reduce((sum, t) => sum + estimateTokens(t), 0);
    return ok(ctx, { object: "list", data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
  }

  return {
    url: server.url,
    apiKey,
    requests,
    setFault: stateFaultSwitch(faults, server),
    setStreamProfile(next) {
      profile = { ...profile, ...next };
    },
    setAnswer(next) {
      answer = next;
    },
    activeStreams: () => active,
    reset() {
      requests.length = 0;
      faults.replace(null);
      answer = null;
      profile = { ...DEFAULT_PROFILE, ...options.streamProfile };
    },
    close: () => server.close(),
  };
}
