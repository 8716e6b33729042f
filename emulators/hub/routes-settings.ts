// Hub routes of a Space's secrets and variables (hf_api.py's add/delete_space_secret and
// add/delete_space_variable, and their listings).
// Test code, never shipped.
import { route } from "../core/router.ts";
import { isAnswer, spaceFor, type HubRoute } from "./context.ts";
import { now, variablesOf } from "./space.ts";

export const settingsRoutes: HubRoute[] = [
  route("GET", /^\/api\/spaces\/([^/]+)\/([^/]+)\/secrets$/, (ctx, owner, name) => {
    const found = spaceFor(ctx, owner!, name!, true);
    if (isAnswer(found)) return found;
    return { status: 200, body: Object.fromEntries([...found.secrets].map(([key, entry]) => [key, { key, updatedAt: entry.updatedAt }])) };
  }),
  route("POST", /^\/api\/spaces\/([^/]+)\/([^/]+)\/(secrets|variables)$/, (ctx, owner, name, kind) => {
    const found = spaceFor(ctx, owner!, name!, true);
    if (isAnswer(found)) return found;
    const body = (ctx.json() ?? {}) as { key?: unknown; value?: unknown; description?: unknown };
    ctx.logBody(body);
    if (typeof body.key !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(body.key)) return { status: 400, body: { error: "Invalid key" } };
    const entry = { value: typeof body.value === "string" ? body.value : "", updatedAt: now() };
    if (kind === "secrets") found.secrets.set(body.key, entry);
    else found.variables.set(body.key, { ...entry, ...(typeof body.description === "string" ? { description: body.description } : {}) });
    // docs/platform-facts.md: Settings changes restart the Space
    if (ctx.state.restartOnSettingsChange) ctx.state.builds.restart(found);
    return { status: 200, body: kind === "secrets" ? {} : variablesOf(found) };
  }),
  route("DELETE", /^\/api\/spaces\/([^/]+)\/([^/]+)\/(secrets|variables)$/, (ctx, owner, name, kind) => {
    const found = spaceFor(ctx, owner!, name!, true);
    if (isAnswer(found)) return found;
    const body = (ctx.json() ?? {}) as { key?: unknown };
    ctx.logBody(body);
    if (typeof body.key !== "string") return { status: 400, body: { error: "key is required" } };
    const map = kind === "secrets" ? found.secrets : found.variables;
    // A key that is not there is no error: the Hub answers as if it had been deleted.
    if (map.delete(body.key) && ctx.state.restartOnSettingsChange) ctx.state.builds.restart(found);
    return { status: 200, body: kind === "secrets" ? {} : variablesOf(found) };
  }),
  route("GET", /^\/api\/spaces\/([^/]+)\/([^/]+)\/variables$/, (ctx, owner, name) => {
    const found = spaceFor(ctx, owner!, name!, true);
    return isAnswer(found) ? found : { status: 200, body: variablesOf(found) };
  }),
];
