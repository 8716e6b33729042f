import { randomUUID } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { type Express } from "express";
import helmet from "helmet";
import { pinoHttp } from "pino-http";
import type { Config } from "./config.ts";
import { serializeError, type Logger } from "./logger.ts";
import type { ActiveStreams } from "./chat/active-streams.ts";
import type { OpenAnswers } from "./chat/open-answers.ts";
import type { ChatService } from "./chat/chat-service.ts";
import type { ConversationStore } from "./db/conversation-store.ts";
import type { FeedbackStore } from "./db/feedback-store.ts";
import type { HealthService } from "./health/health-service.ts";
import type { BookTools } from "./mcp/book-tools.ts";
import type { Readiness } from "./health/readiness.ts";
import { corsMiddleware } from "./http/cors.ts";
import { forwardedForAddressesOnly } from "./http/forwarded-for.ts";
import { errorHandler, notFoundHandler } from "./http/error-handler.ts";
import { methodNotAllowedHandler } from "./http/method-not-allowed.ts";
import { perAddressRateLimit } from "./http/rate-limit.ts";
import { answersRouter } from "./routes/answers.ts";
import { apiReferenceRouter } from "./routes/api-reference.ts";
import { chatRouter } from "./routes/chat.ts";
import { conversationsRouter } from "./routes/conversations.ts";
import { healthRouter } from "./routes/health.ts";
import { mcpRouter } from "./routes/mcp.ts";
import type { ChatMetrics } from "./telemetry/metrics.ts";
import { metricsRouter } from "./telemetry/metrics-route.ts";
import { requestTelemetry } from "./telemetry/request-telemetry.ts";

export const PUBLIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../public");

export interface AppDependencies {
  logger: Logger;
  chat: ChatService;
  conversations: ConversationStore;
  feedback: FeedbackStore;
  /** The book's MCP tools (search_book, read_page). */
  bookTools: BookTools;
  health: HealthService;
  readiness: Readiness;
  streams: ActiveStreams;
  /** The answers streaming in this process, by answer id: what a reader's stop reaches. */
  answers: OpenAnswers;
  /** Spans are recorded: an SDK tracer provider is registered (OTLP export configured). */
  tracing: boolean;
  metrics: ChatMetrics;
  /** GET /metrics, served only with METRICS_TOKEN. */
  metricsScrape: Parameters<typeof metricsRouter>[0] | undefined;
  settings: AppSettings;
}

export type AppSettings = Pick<
  Config,
  "allowedOrigins" | "trustProxyHops" | "rateLimitPerMinute" | "answerRateLimitPerMinute" | "mcpRateLimitPerMinute" | "selectionMaxChars" | "keepAliveMs" | "generationTimeoutMs" | "sseWriteTimeoutMs"
>;

const REQUEST_ID = /^[\w.-]{1,64}$/;

/** A request's URL for the log: a conversation id is the key to a reader's conversation, so it stays out. */
function withoutConversationId(url: string): string {
  return url.replace(/^\/api\/conversation\/[^/?#]*/, "/api/conversation/:id");
}

/** Builds the HTTP app from its dependencies. It never listens: server.ts does. */
export function createApp(deps: AppDependencies): Express {
  const { settings } = deps;
  const app = express();
  app.disable("x-powered-by");
  // Behind the Space's proxy, req.ip is the address that proxy saw, and nothing further left.
  app.set("trust proxy", settings.trustProxyHops);
  app.use(forwardedForAddressesOnly());
  // Before the request's logger: its lines then carry the request span's ids.
  const telemetry = requestTelemetry({ tracing: deps.tracing, metrics: deps.metrics });
  if (telemetry) app.use(telemetry);

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const given = req.headers["x-request-id"];
        const id = typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader("X-Request-Id", id);
        return id;
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? "warn" : "info"),
      // pino-http would otherwise wrap these and install the standard error serializer on
      // every request's logger (message and stack as thrown), replacing the root logger's.
      wrapSerializers: false,
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: withoutConversationId(req.url) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        err: serializeError,
      },
      autoLogging: { ignore: (req) => req.url?.startsWith("/api/health") ?? false },
    }),
  );
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", "data:"],
          connectSrc: ["'self'"],
          // The Hugging Face Space page shows `/` in a frame.
          frameAncestors: ["'self'", "https://huggingface.co", "https://*.hf.space"],
          upgradeInsecureRequests: null,
        },
      },
      xFrameOptions: false,
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use("/api", corsMiddleware(settings.allowedOrigins));
  app.use("/mcp", corsMiddleware(settings.allowedOrigins, ["Mcp-Session-Id", "Mcp-Protocol-Version", "Last-Event-ID"]));

  // Sized for the largest valid body: a selection of selectionMaxChars, even if every
  // character arrives as a JSON escape.
  const bodyLimit = Math.max(64 * 1024, settings.selectionMaxChars * 12 + 32 * 1024);
  app.use("/api", express.json({ limit: bodyLimit, strict: true }));

  if (settings.rateLimitPerMinute > 0) {
    app.post("/api/chat", perAddressRateLimit(settings.rateLimitPerMinute, "Too many questions from this address. Please wait a minute."));
  }
  if (settings.answerRateLimitPerMinute > 0) {
    app.use("/api/answers", perAddressRateLimit(settings.answerRateLimitPerMinute, "Too many stops or votes from this address. Please wait a minute."));
  }
  if (settings.mcpRateLimitPerMinute > 0) {
    app.post("/mcp", perAddressRateLimit(settings.mcpRateLimitPerMinute, "Too many MCP calls from this address. Please wait a minute."));
  }

  app.use(healthRouter(deps.health));
  if (deps.metricsScrape) app.use(metricsRouter(deps.metricsScrape));
  app.use(chatRouter({ chat: deps.chat, streams: deps.streams, answers: deps.answers, readiness: deps.readiness, settings }));
  app.use(answersRouter({ answers: deps.answers, conversations: deps.conversations, feedback: deps.feedback, readiness: deps.readiness }));
  app.use(conversationsRouter(deps.conversations, deps.feedback, deps.readiness));
  app.use(mcpRouter({ tools: deps.bookTools, readiness: deps.readiness }));
  app.use(apiReferenceRouter(settings));
  app.use(express.static(PUBLIC_DIR, { index: "index.html", maxAge: "5m" }));

  app.use(methodNotAllowedHandler());
  app.use(notFoundHandler());
  app.use(errorHandler());
  return app;
}
