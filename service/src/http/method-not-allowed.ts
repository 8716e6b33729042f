import type { RequestHandler } from "express";
import { AppError } from "../errors.ts";

/**
 * The little of Express 5's router (the `router` package) read here: its layers in order. A
 * route's layer has `route`; a mounted router's has the router as `handle`, with its own stack.
 */
interface RouterLayer {
  match(path: string): { path: string } | false;
  route?: { _methods(): string[] };
  handle?: { stack?: RouterLayer[] };
}

/** The methods the routes registered for `path` answer, HEAD with GET, as Express matches paths. */
function allowedMethods(stack: readonly RouterLayer[], path: string): Set<string> {
  const methods = new Set<string>();
  for (const layer of stack) {
    let match: { path: string } | false;
    try {
      match = layer.match(path);
    } catch {
      continue; // a parameter that does not decode: that route never matched either
    }
    if (!match) continue;
    if (layer.route) {
      for (const method of layer.route._methods()) methods.add(method);
    } else if (layer.handle?.stack) {
      for (const method of allowedMethods(layer.handle.stack, path.slice(match.path.length) || "/")) methods.add(method);
    }
  }
  return methods;
}

/**
 * A known path asked with a method it does not answer is a 405 with an Allow header, not
 * a 404: the client has the right address and the wrong verb. Runs after the routes, and
 * reads the methods from the app's own routes, so they cannot drift apart. (OPTIONS on
 * /api is answered by CORS before this.)
 */
export function methodNotAllowedHandler(): RequestHandler {
  return function methodNotAllowed(req, res, next) {
    const allowed = allowedMethods((req.app.router as unknown as { stack: RouterLayer[] }).stack, req.path);
    if (allowed.size === 0 || allowed.has(req.method)) return next();
    const allow = [...allowed].join(", ");
    res.setHeader("Allow", allow);
    next(new AppError("method_not_allowed", `${req.path} does not answer ${req.method}; it answers ${allow}.`));
  };
}
