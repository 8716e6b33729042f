// A route table for the emulators whose APIs are many small REST endpoints (Hub, Vercel):
// method and path pattern to a handler that returns its answer.
// Test code, never shipped.

/** A JSON answer (no body: an empty response), a text answer, or "streamed" when the handler wrote it. */
export type Answer = { status: number; body?: unknown; text?: string; headers?: Record<string, string> } | "streamed";

export type Route<Context> = {
  method: string;
  pattern: RegExp;
  handle: (ctx: Context, ...groups: string[]) => Answer | Promise<Answer>;
};

export const route = <Context>(method: string, pattern: RegExp, handle: Route<Context>["handle"]): Route<Context> => ({ method, pattern, handle });

/** The answer of the first route that matches, its path groups URL-decoded; null when none does. */
export async function dispatch<Context>(routes: Array<Route<Context>>, method: string, path: string, ctx: Context): Promise<Answer | null> {
  for (const candidate of routes) {
    const match = candidate.method === method ? candidate.pattern.exec(path) : null;
    if (match) return candidate.handle(ctx, ...match.slice(1).map((group) => (group === undefined ? "" : decodeURIComponent(group))));
  }
  return null;
}
