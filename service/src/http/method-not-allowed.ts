import type { RequestHandler } from "express";
import { AppError } from "../errors.ts";

/** The API's paths and the methods each answers (HEAD comes with GET, OPTIONS with CORS). */
const ROUTES: Array<{ pattern: RegExp; allow: string[] }> = [
  { pattern: /^\/api\/chat\/?$/, allow: ["POST"] },
  { pattern: /^\/api\/conversation\/[^/]+\/?$/, allow: ["GET", "HEAD"] },
  { pattern: /^\/api\/health(\/live)?\/?$/, allow: ["GET", "HEAD"] },
  { pattern: /^\/openapi\.json$/, allow: ["GET", "HEAD"] },
];

/**
 * A known path asked with a method it does not answer is a 405 with an Allow header, not
 * a 404: the client has the right address and the wrong verb. Runs after the routes.
 */
export function methodNotAllowedHandler(): RequestHandler {
  return function methodNotAllowed(req, res, next) {
    const route = ROUTES.find(({ pattern }) => pattern.test(req.path));
    if (!route || route.allow.includes(req.method)) return next();
    res.setHeader("Allow", route.allow.join(", "));
    next(new AppError("method_not_allowed", `${req.path} does not answer ${req.method}; it answers ${route.allow.join(", ")}.`));
  };
}
