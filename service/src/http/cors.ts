import cors from "cors";
import type { RequestHandler } from "express";

/**
 * Builds a matcher for ALLOWED_ORIGINS entries: exact origins, or patterns with `*` standing
 * for one or more DNS label characters (`https://*-myteam.vercel.app` for Vercel previews).
 * A `*` never matches a dot, so a pattern cannot be satisfied by an attacker's subdomain.
 */
export function originMatcher(allowed: readonly string[]): (origin: string) => boolean {
  if (allowed.includes("*")) return () => true;
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const entry of allowed) {
    const normalised = entry.trim().replace(/\/+$/, "").toLowerCase();
    if (!normalised.includes("*")) exact.add(normalised);
    else patterns.push(new RegExp(`^${normalised.split("*").map(escapeRegExp).join("[a-z0-9-]+")}$`));
  }
  return (origin) => {
    const o = origin.toLowerCase();
    return exact.has(o) || patterns.some((p) => p.test(o));
  };
}

/**
 * CORS for the API: allowed origins get the headers, others get none. No credentials.
 * `headers`: what a protocol adds both ways (MCP's session and version headers).
 */
export function corsMiddleware(allowed: readonly string[], headers: readonly string[] = []): RequestHandler {
  const matches = originMatcher(allowed);
  return cors({
    origin: (origin, callback) => callback(null, origin !== undefined && matches(origin) ? origin : false),
    methods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
    allowedHeaders: ["Content-Type", "X-Request-Id", ...headers],
    exposedHeaders: ["X-Request-Id", "Retry-After", "RateLimit", "RateLimit-Policy", ...headers],
    credentials: false,
    maxAge: 600,
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}
