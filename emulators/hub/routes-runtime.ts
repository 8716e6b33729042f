// Hub routes of a Space's running app: runtime, restart, hardware, sleep time, and the build
// and run logs as the Hub streams them (SSE).
// Test code, never shipped.
import { route } from "../core/router.ts";
import { isAnswer, spaceFor, type HubContext, type HubRoute } from "./context.ts";
import type { LogKind } from "./builds.ts";
import { now, runtimeOf, type EmulatedSpace } from "./space.ts";

export const runtimeRoutes: HubRoute[] = [
  route("GET", /^\/api\/spaces\/([^/]+)\/([^/]+)\/runtime$/, (ctx, owner, name) => {
    const found = spaceFor(ctx, owner!, name!, false);
    return isAnswer(found) ? found : { status: 200, body: runtimeOf(found) };
  }),
  route("POST", /^\/api\/spaces\/([^/]+)\/([^/]+)\/restart$/, (ctx, owner, name) => {
    const found = spaceFor(ctx, owner!, name!, true);
    if (isAnswer(found)) return found;
    found.restarts += 1;
    // hf_api.py's restart_space(factory_reboot=True) sends ?factory=true: a rebuild without the build cache.
    // docs/platform-facts.md: Factory rebuild
    if (ctx.query.get("factory") === "true") {
      found.factoryRestarts += 1;
      if (found.buildHang === "cache") found.buildHang = null;
    }
    ctx.state.builds.restart(found);
    return { status: 200, body: runtimeOf(found) };
  }),
  route("POST", /^\/api\/spaces\/([^/]+)\/([^/]+)\/hardware$/, (ctx, owner, name) => {
    const found = spaceFor(ctx, owner!, name!, true);
    if (isAnswer(found)) return found;
    const body = (ctx.json() ?? {}) as { flavor?: unknown; sleepTimeSeconds?: unknown };
    ctx.logBody(body);
    if (typeof body.flavor !== "string" || !body.flavor) return { status: 400, body: { error: "flavor is required" } };
    if (typeof body.sleepTimeSeconds === "number") found.gcTimeout = body.sleepTimeSeconds;
    if (body.flavor !== found.hardware.requested) {
      // docs/platform-facts.md: Hardware shows as requested until applied; Settings changes restart the Space
      found.hardware.requested = body.flavor;
      if (ctx.state.restartOnSettingsChange) ctx.state.builds.restart(found);
    }
    return { status: 200, body: runtimeOf(found) };
  }),
  route("POST", /^\/api\/spaces\/([^/]+)\/([^/]+)\/sleeptime$/, (ctx, owner, name) => {
    const found = spaceFor(ctx, owner!, name!, true);
    if (isAnswer(found)) return found;
    const body = (ctx.json() ?? {}) as { seconds?: unknown };
    ctx.logBody(body);
    if (typeof body.seconds !== "number" || !Number.isInteger(body.seconds)) return { status: 400, body: { error: "seconds must be an integer" } };
    found.gcTimeout = body.seconds;
    return { status: 200, body: runtimeOf(found) };
  }),
  route("GET", /^\/api\/spaces\/([^/]+)\/([^/]+)\/logs\/(build|run)$/, (ctx, owner, name, kind) => {
    const found = spaceFor(ctx, owner!, name!, true);
    if (isAnswer(found)) return found;
    streamLogs(ctx, found, kind as LogKind);
    return "streamed";
  }),
];

// The Hub's log format: one `data: {"data": "<line>", "timestamp": "..."}` event per line,
// empty `data:` events as keep-alives, and a stream that stays open for new lines.
function streamLogs(ctx: HubContext, space: EmulatedSpace, kind: LogKind): void {
  const { res } = ctx.ex;
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
  const send = (line: string) => res.write(`data: ${JSON.stringify({ data: `${line}\n`, timestamp: now() })}\n\n`);
  for (const line of space.logs[kind]) send(line);
  const unfollow = ctx.state.builds.follow(space, (lineKind, line) => {
    if (lineKind === kind) send(line);
  });
  const keepAlive = setInterval(() => res.write("data: \n\n"), ctx.state.keepAliveMs);
  res.on("close", () => {
    clearInterval(keepAlive);
    unfollow();
  });
}
