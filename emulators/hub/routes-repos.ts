// Hub routes about accounts and repos: whoami, create, delete, settings, repo info, file download.
// Test code, never shipped.
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { route } from "../core/router.ts";
import { canWrite, CONFLICTING_OPERATION, isAnswer, missingScope, spaceFor, unauthorized, type HubRoute } from "./context.ts";
import { filesAt, infoOf, newSpace, shaOf } from "./space.ts";

/** The SDKs a free account cannot create (hub-docs: Docker and Gradio Spaces need a paid plan). */
const PAID_SDKS = new Set(["docker", "gradio"]);

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
        isPro: ctx.state.plan === "pro",
        orgs: orgs.map((org) => ({ type: "org", name: org, fullname: org, id: shaOf(org).slice(0, 24), roleInOrg: "write" })),
        auth: { type: "access_token", accessToken: { displayName: "emulator", role: ctx.caller?.repos ? "fineGrained" : (ctx.caller?.role ?? "read") } },
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
    if (ctx.caller?.role !== "write" || ctx.caller.repos) return missingScope(`${owner}/${name}`);
    const sdk = String(body.sdk ?? "static");
    // The plan is checked before the name: an existing Space answers 402 too.
    if (state.plan === "free" && PAID_SDKS.has(sdk)) {
      return { status: 402, body: { error: `Creating a ${sdk === "docker" ? "Docker" : "Gradio"} Space requires a PRO subscription, or an organization with a Team or Enterprise plan` } };
    }
    if (state.creating.has(owner)) return { status: 409, body: { error: CONFLICTING_OPERATION } };
    const repoId = `${owner}/${name}`;
    if (state.spaces.has(repoId)) {
      return { status: 409, body: { error: "You already created this space repo", url: `${state.url}/spaces/${repoId}` } };
    }
    state.creating.add(owner);
    try {
      if (state.repoCreateMs > 0) await sleep(state.repoCreateMs);
      const host = await state.builds.openHost();
      const isPrivate = body.visibility === "private" || body.private === true;
      const space = newSpace(owner, name, isPrivate, sdk, host.port);
      state.builds.adopt(space, host);
      state.spaces.set(repoId, space);
    } finally {
      state.creating.delete(owner);
    }
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
    await ctx.state.builds.remove(found);
    return { status: 200, text: "OK" }; // text/plain, as recorded from production
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
  // listFiles of @huggingface/hub: the files (and folders) under a path, one level or all.
  route("GET", /^\/api\/spaces\/([^/]+)\/([^/]+)\/tree\/([^/]+)(?:\/(.*))?$/, (ctx, owner, name, _rev, path) => {
    const found = spaceFor(ctx, owner!, name!, false);
    if (isAnswer(found)) return found;
    const base = (path ?? "").replace(/\/+$/, "");
    const prefix = base ? `${base}/` : "";
    if (base && !found.files.has(base) && ![...found.files.keys()].some((file) => file.startsWith(prefix))) {
      return { status: 404, body: { error: `Entry not found: ${base}` }, headers: { "X-Error-Code": "EntryNotFound" } };
    }
    return { status: 200, body: treeOf(found.files, prefix, ctx.query.get("recursive") === "true") };
  }),
  // A file at a revision: main or a commit id (hf_hub_url's /{repo_id}/resolve/{revision}/{filename}).
  route("GET", /^\/spaces\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/, (ctx, owner, name, revision, path) => {
    const found = spaceFor(ctx, owner!, name!, false);
    if (isAnswer(found)) return found;
    const rev = decodeURIComponent(revision!);
    const at = filesAt(found, rev);
    // huggingface_hub's hf_raise_for_status reads X-Error-Code: RevisionNotFound, EntryNotFound.
    if (!at) return { status: 404, body: { error: `Invalid rev id: ${rev}` }, headers: { "X-Error-Code": "RevisionNotFound" } };
    const content = at.files.get(decodeURIComponent(path!));
    if (!content) return { status: 404, body: { error: "Entry not found" }, headers: { "X-Error-Code": "EntryNotFound" } };
    const headers = { "Content-Type": "application/octet-stream", "X-Repo-Commit": at.oid, ETag: `"${shaOf(content.toString("base64"))}"`, "Accept-Ranges": "bytes" };
    // One byte range, as @huggingface/hub's downloadFile asks (bytes=0-0 for the size, then slices).
    const range = /^bytes=(\d+)-(\d*)$/.exec(String(ctx.ex.req.headers.range ?? ""));
    if (range && content.length > 0) {
      const start = Number(range[1]);
      const end = Math.min(range[2] ? Number(range[2]) : content.length - 1, content.length - 1);
      if (start > end) {
        ctx.ex.res.writeHead(416, { "Content-Range": `bytes */${content.length}` });
        ctx.ex.res.end();
        return "streamed";
      }
      ctx.ex.res.writeHead(206, { ...headers, "Content-Range": `bytes ${start}-${end}/${content.length}` });
      ctx.ex.res.end(content.subarray(start, end + 1));
      return "streamed";
    }
    ctx.ex.res.writeHead(200, headers);
    ctx.ex.res.end(content);
    return "streamed";
  }),
];

/** The tree entries under `prefix`: files with their git blob id and size, and the folders between. */
function treeOf(files: Map<string, Buffer>, prefix: string, recursive: boolean) {
  const entries = new Map<string, { type: "file" | "directory"; oid: string; size: number; path: string }>();
  for (const [path, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    if (!path.startsWith(prefix)) continue;
    const parts = path.slice(prefix.length).split("/");
    for (let depth = 1; depth < parts.length && (recursive || depth === 1); depth++) {
      const folder = prefix + parts.slice(0, depth).join("/");
      if (!entries.has(folder)) entries.set(folder, { type: "directory", oid: shaOf(`tree ${folder}`), size: 0, path: folder });
    }
    if (recursive || parts.length === 1) {
      const oid = createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
      entries.set(path, { type: "file", oid, size: content.length, path });
    }
  }
  return [...entries.values()];
}
