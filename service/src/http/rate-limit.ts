import type { RequestHandler } from "express";
import { rateLimit } from "express-rate-limit";
import { AppError } from "../errors.ts";

/**
 * One budget of requests per client address and minute (req.ip, which TRUST_PROXY_HOPS
 * makes the client's behind a proxy). Each call is a budget of its own: chat, answers and
 * MCP do not spend each other's. Over it: 429 rate_limited with Retry-After.
 */
export function perAddressRateLimit(limitPerMinute: number, message: string): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: limitPerMinute,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    handler: (_req, _res, next, opts) => next(new AppError("rate_limited", message, { retryAfter: Math.ceil(opts.windowMs / 1000) })),
  });
}
