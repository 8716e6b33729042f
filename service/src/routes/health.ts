import { Router } from "express";
import type { HealthService } from "../health/health-service.ts";

/** GET /api/health (readiness, 200 only when healthy) and /api/health/live (the process serves). */
export function healthRouter(health: HealthService): Router {
  const router = Router();
  router.get("/api/health", async function healthHandler(_req, res) {
    const report = await health.report();
    res.setHeader("Cache-Control", "no-store");
    res.status(report.status === "healthy" ? 200 : 503).json(report);
  });
  // For the container's HEALTHCHECK: an upstream outage must not become a restart loop.
  router.get("/api/health/live", function liveHandler(_req, res) {
    res.setHeader("Cache-Control", "no-store");
    res.json({ status: "ok", timestamp: new Date().toISOString() });
  });
  return router;
}
