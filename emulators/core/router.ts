// The route table every emulator matches requests with: method and path pattern to a handler.
// A handler returns its answer (the Hub and Vercel: an Answer the emulator sends; Qdrant: the
// result it wraps in its envelope) or writes the response itself (Gemini's streams).
// Test code, never shipped.

/** A JSON answer (no body: an empty response), a text answer, or "streamed" when the handler wrote it. */
export type Answer = { status: number; body?: unknown; text?: string; headers?: Record<string, string> } | "streamed";

export type Route<Context, Result = Answer> = {
  method: string;
  pattern: RegExp;
  handle: (ctx: Context, ...groups: string[]) => Result | Promise<Result>;
};

export const route = <Context, Result = Answer>(method: string, pattern: RegExp, handle: Route<Context, Result>["handle"]): Route<Context, Result> => ({
  method,
  pattern,
  handle,
});

/** The first route that matches, with its path groups URL-decoded ("" for a group that did not take part); null when none does. */
export function match<R extends Route<never, unknown>>(routes: readonly R[], method: string, path: string): { route: R; groups: string[] } | null {
  for (const candidate of routes) {
    const found = candidate.method === method ? candidate.pattern.exec(path) : null;
    if (found) return { route: candidate, groups: found.slice(1).map((group) => (group === undefined ? "" : decodeURIComponent(group))) };
  }
  return null;
}

/** The answer of the first route that matches; null when none does. */
export async function dispatch<Context, Result>(routes: ReadonlyArray<Route<Context, Result>>, method: string, path: string, ctx: Context): Promise<Result | null> {
  const found = match(routes, method, path);
  return found ? found.route.handle(ctx, ...found.groups) : null;
}
