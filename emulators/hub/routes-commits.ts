// Hub routes that change a repo's files: preupload and the NDJSON commit of @huggingface/hub.
// Test code, never shipped.
import { route } from "../core/router.ts";
import { isAnswer, spaceFor, type HubRoute } from "./context.ts";
import { shaOf } from "./space.ts";

type CommitLine = { key: string; value: Record<string, unknown> };

export const commitRoutes: HubRoute[] = [
  route("POST", /^\/api\/spaces\/([^/]+)\/([^/]+)\/preupload\/([^/]+)$/, (ctx, owner, name) => {
    const found = spaceFor(ctx, owner!, name!, true);
    if (isAnswer(found)) return found;
    const body = (ctx.json() ?? {}) as { files?: Array<{ path: string }> };
    ctx.logBody({ files: (body.files ?? []).map((file) => ({ path: file.path })) });
    return {
      status: 200,
      body: { files: (body.files ?? []).map((file) => ({ path: file.path, uploadMode: "regular", shouldIgnore: false })), commitOid: found.sha },
    };
  }),
  route("POST", /^\/api\/spaces\/([^/]+)\/([^/]+)\/commit\/([^/]+)$/, (ctx, owner, name) => {
    const found = spaceFor(ctx, owner!, name!, true);
    if (isAnswer(found)) return found;
    const raw = ctx.ex.raw;
    const lines = raw
      .toString("utf8")
      .split("\n")
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as CommitLine);
    const header = lines.find((line) => line.key === "header")?.value ?? {};
    ctx.logBody({ header, operations: lines.filter((l) => l.key !== "header").map((l) => ({ key: l.key, path: l.value.path })) });
    if (lines.some((line) => line.key === "lfsFile")) return { status: 400, body: { error: "The emulator does not store LFS files" } };
    // A deletion of a path the repo does not hold fails the whole commit, before anything changes.
    const missing = lines.find((line) => line.key === "deletedFile" && !found.files.has(String(line.value.path ?? "")));
    if (missing) return { status: 404, body: { error: `A file with this name doesn't exist: ${String(missing.value.path)}` } };
    for (const { key, value } of lines) {
      const path = String(value.path ?? "");
      if (key === "file") found.files.set(path, Buffer.from(String(value.content ?? ""), value.encoding === "base64" ? "base64" : "utf8"));
      if (key === "deletedFile") found.files.delete(path);
      if (key === "deletedFolder") for (const file of [...found.files.keys()]) if (file.startsWith(`${path.replace(/\/$/, "")}/`)) found.files.delete(file);
    }
    const oid = shaOf(`${found.sha}\n${raw.toString("base64")}`);
    found.sha = oid;
    found.commits.push({ oid, summary: String(header.summary ?? ""), description: String(header.description ?? ""), files: new Map(found.files) });
    ctx.state.builds.rebuild(found, "commit");
    return { status: 200, body: { success: true, commitOid: oid, commitUrl: `${ctx.state.url}/spaces/${found.repoId}/commit/${oid}`, hookOutput: "" } };
  }),
];
