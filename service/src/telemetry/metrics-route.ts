import { createHash, timingSafeEqual } from "node:crypto";
import { Router, type Request } from "express";
import type { Registry } from "prom-client";
import { AppError } from "../errors.ts";

/**
 * GET /metrics for Prometheus. A Space is public, so it answers only with METRICS_TOKEN as a
 * bearer token; without METRICS_TOKEN the route does not exist (404, like any unknown path).
 */
export function metricsRouter(options: { registry: Registry; token: string }): Router {
  const expected = digest(options.token);
  const router = Router();
  router.get("/metrics", async function metricsHandler(req, res) {
    if (!authorized(req, expected)) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="metrics"');
      throw new AppError("unauthorized", "GET /metrics needs METRICS_TOKEN as a bearer token: Authorization: Bearer <token>.");
    }
    const body = await options.registry.metrics();
    res.setHeader("Cache-Control", "no-store");
    res.type(options.registry.contentType).send(body);
  });
  return router;
}

/**
 * Compared as SHA-256 digests with timingSafeEqual: equal lengths whatever was sent, and
 * the time taken says nothing about how much of the token matched.
 */
function authorized(req: Request, expected: Buffer): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? "");
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}
