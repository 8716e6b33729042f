import { context, trace } from "@opentelemetry/api";
import type { Request, RequestHandler } from "express";
import type { ChatMetrics } from "./metrics.ts";
import { SpanKind, SpanStatusCode, startSpan } from "./spans.ts";

/** The route a request matched, as declared (`/api/conversation/:id`): never the raw path, which holds ids. */
export function routeOf(req: Request): string | undefined {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === "string" ? `${req.baseUrl}${path}` : undefined;
}

/**
 * Per request, when tracing or metrics are on: a server span that is the root of the
 * request's trace (a chat's steps are its children), and its duration by route and status.
 * Installed before the request's logger, so log lines written within carry its ids. Neither
 * is installed when both are off.
 */
export function requestTelemetry(options: { tracing: boolean; metrics: ChatMetrics }): RequestHandler | undefined {
  const { tracing, metrics } = options;
  if (!tracing && !metrics.enabled) return undefined;
  return function telemetryPerRequest(req, res, next) {
    const started = performance.now();
    const span = tracing ? startSpan(req.method, { kind: SpanKind.SERVER, attributes: { "http.request.method": req.method } }) : undefined;
    res.once("close", () => {
      const route = routeOf(req);
      metrics.observeRequest(req.method, route ?? "unmatched", res.statusCode, (performance.now() - started) / 1000);
      if (span === undefined) return;
      if (route !== undefined) {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute("http.route", route);
      }
      span.setAttribute("http.response.status_code", res.statusCode);
      // A client that left before the end: the response never finished.
      if (!res.writableFinished) span.setAttribute("docs_chat.client_gone", true);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    if (span === undefined) return next();
    const active = trace.setSpan(context.active(), span);
    // Body parsing and the response's events run from the socket's callbacks, outside this
    // call: binding the two emitters keeps their listeners (the body parser's, the request
    // logger's) inside the span.
    context.bind(active, req);
    context.bind(active, res);
    context.with(active, next);
  };
}
