import type { ErrorRequestHandler, RequestHandler } from "express";
import { AppError } from "../errors.ts";

/** Errors body-parser raises, by its `type`, as the client should see them. */
function fromBodyParser(err: { type?: unknown; status?: unknown }): AppError | undefined {
  switch (err.type) {
    case "entity.too.large":
      return new AppError("payload_too_large", "The request body is too large.");
    case "entity.parse.failed":
      return new AppError("invalid_request", "The request body is not valid JSON.");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new AppError("unsupported_media_type", "The request body must be UTF-8 JSON.");
    case "request.aborted":
      return new AppError("invalid_request", "The request was aborted.");
    default:
      return undefined;
  }
}

/**
 * The one final handler: known errors render their status and code; anything else is
 * logged and becomes a bare 500 that reveals nothing. After a stream has begun, the route
 * itself reports errors as events, so here the response is only closed.
 */
export function errorHandler(): ErrorRequestHandler {
  return function finalErrorHandler(err, req, res, _next) {
    const known = err instanceof AppError ? err : fromBodyParser(err as { type?: unknown });
    if (res.headersSent || res.destroyed) {
      if (!known) req.log.error({ err }, "error after response started");
      res.end();
      return;
    }
    if (known) {
      if (known.status >= 500) req.log.warn({ err: known }, "request failed");
      if (known.retryAfter !== undefined) res.setHeader("Retry-After", String(known.retryAfter));
      res.status(known.status).json(known.toJSON());
      return;
    }
    req.log.error({ err }, "unexpected error");
    const internal = new AppError("internal_error", "Something went wrong on our side.");
    res.status(internal.status).json(internal.toJSON());
  };
}

export function notFoundHandler(): RequestHandler {
  return function routeNotFound(req, _res, next) {
    next(new AppError("not_found", `No route for ${req.method} ${req.path}.`));
  };
}
