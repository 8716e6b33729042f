// Hub routes about accounts and repos: whoami, create, delete, settings, repo info, file download.
// Test code, never shipped.
import { createServer as createNetServer } from "node:net";
import { route } from "../core/router.ts";
import { canWrite, isAnswer, spaceFor, unauthorized, type HubRoute } from "./context.ts";
import { infoOf, newSpace, shaOf } from "./space.ts";

export const repoRoutes: HubRoute[] = [
  route("GET", /^\/api\/whoami-v2$/, (ctx) => {
    if (!ctx.authorized) return unauthorized();
    const { user, orgs } = ctx.state;
    return {
      status: 200,
      body: {
        type: "user",
        id: shaOf(user).slice(0, 24),
        name: user,
        fullname: user,
        email: `${user}@example.invalid`,
        emailVerified: true,
        isPro: false,
        orgs: orgs.map((org) => ({ type: "org", name: org, fullname: org, id: shaOf(org).slice(0, 24), roleInOrg: "write" })),
        auth: { type: "access_token", accessToken: { displayName: "emulator", role: "write" } },
      },
    };
  }),
  route("POST", /^\/api\/repos\/create$/, async (ctx) => {
    if (!ctx.authorized) return unauthorized();
    const { state } = ctx;
    const body = (ctx.json() ?? {}) as Record<string, unknown>;
    ctx.logBody(body);
    const owner = typeof body.organization === "string" && body.organization ? body.organization : state.user;
    const name = String(body.name ?? "");
    if (body.type !== "space") return { status: 400, body: { error: "The emulator only hosts Spaces" } };
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/.test(name)) return { status: 400, body: { error: `Invalid repo name: ${name}` } };
    if (!canWrite(state, owner)) return { status: 403, body: { error: `You don't have the rights to create a space under the namespace "${owner}"` } };
    const repoId = `${owner}/${name}`;
    if (state.spaces.has(repoId)) {
      return { status: 409, body: { error: "You already created this space repo", url: `${state.url}/spaces/${repoId}` } };
    }
    const isPrivate = body.visibility === "private" || body.private === true;
    const space = newSpace(owner, name, isPrivate, String(body.sdk ?? "static"), await freePort());
    state.spaces.set(repoId, space);
    return { status: 200, body: { url: `${state.url}/spaces/${repoId}`, name: repoId, id: shaOf(repoId).slice(0, 24) } };
  }),
  route("DELETE", /^\/api\/repos\/delete$/, async (ctx) => {
    if (!ctx.authorized) return unauthorized();
    const body = (ctx.json() ?? {}) as Record<string, unknown>;
    ctx.logBody(body);
    const owner = typeof body.organization === "string" && body.organization ? body.organization : ctx.state.user;
    const found = spaceFor(ctx, owner, String(body.name ?? ""), true);
    if (isAnswer(found)) return found;
    ctx.state.spaces.delete(found.repoId);
    await ctx.state.builds.stop(found);
    return { status: 200, body: {} };
  }),
  route("PUT", /^\/api\/spaces\/([^/]+)\/([^/]+)\/settings$/, (ctx, owner, name) => {
    const found = spaceFor(ctx, owner!, name!, true);
    if (isAnswer(found)) return found;
    const body = (ctx.json() ?? {}) as Record<string, unknown>;
    ctx.logBody(body);
    if (body.visibility !== undefined) {
      if (body.visibility !== "public" && body.visibility !== "private") return { status: 400, body: { error: "Invalid visibility" } };
      found.private = body.visibility === "private";
    } else if (typeof body.private === "boolean") {
      found.private = body.private;
    }
    return { status: 200, body: { private: found.private } };
  }),
  route("GET", /^\/api\/spaces\/([^/]+)\/([^/]+)(?:\/revision\/([^/]+))?$/, (ctx, owner, name) => {
    const found = spaceFor(ctx, owner!, name!, false);
    return isAnswer(found) ? found : { status: 200, body: infoOf(found) };
  }),
  route("GET", /^\/spaces\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/, (ctx, owner, name, _rev, path) => {
    const found = spaceFor(ctx, owner!, name!, false);
    if (isAnswer(found)) return found;
    const content = found.files.get(decodeURIComponent(path!));
    if (!content) return { status: 404, body: { error: "Entry not found" }, headers: { "X-Error-Code": "EntryNotFound" } };
    ctx.ex.res.writeHead(200, { "Content-Type": "application/octet-stream", "X-Repo-Commit": found.sha, ETag: `"${shaOf(content.toString("base64"))}"` });
    ctx.ex.res.end(content);
    return "streamed";
  }),
];

/** A port nobody listens on now, kept by the Space for its whole life so `host` never changes. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}
