// What every Hub route handler gets: the request, who is asking, the emulator's state, and the
// Hub's common answers (repo not found, bad credentials, no rights).
// Test code, never shipped.
import type { Exchange, LoggedRequest } from "../core/request-log.ts";
import type { Answer, Route } from "../core/router.ts";
import type { SpaceBuilds } from "./builds.ts";
import type { EmulatedSpace } from "./space.ts";

export type HubLoggedRequest = LoggedRequest & {
  /** The body as logged: commit bodies summarised to their operations, without file contents. */
  body: unknown;
  authorized: boolean;
};

export type HubState = {
  /** The emulator's base URL (known once it listens). */
  url: string;
  user: string;
  orgs: string[];
  spaces: Map<string, EmulatedSpace>;
  builds: SpaceBuilds;
  /** Whether changing a secret or variable restarts the Space by itself. */
  restartOnSettingsChange: boolean;
  keepAliveMs: number;
};

export type HubContext = {
  ex: Exchange<HubLoggedRequest>;
  authorized: boolean;
  query: URLSearchParams;
  /** The JSON body (a SyntaxError, answered 400, when it is not JSON). */
  json: () => unknown;
  /** What the request log keeps of the body. */
  logBody: (body: unknown) => void;
  state: HubState;
};

export type HubRoute = Route<HubContext>;

export const unauthorized = (): Answer => ({ status: 401, body: { error: "Invalid credentials in Authorization header" } });

export const canWrite = (state: HubState, owner: string) => owner === state.user || state.orgs.includes(owner);

/** The Space, or the Hub's answer when the caller may not see it (404) or change it (401, 403). */
export function spaceFor(ctx: HubContext, owner: string, name: string, write: boolean): EmulatedSpace | Answer {
  const space = ctx.state.spaces.get(`${owner}/${name}`);
  const readable = space && (!space.private || (ctx.authorized && canWrite(ctx.state, owner)));
  if (!space || !readable) return { status: 404, body: { error: "Repository not found" }, headers: { "X-Error-Code": "RepoNotFound" } };
  if (write && !ctx.authorized) return unauthorized();
  if (write && !canWrite(ctx.state, owner)) return { status: 403, body: { error: "You don't have the rights to modify this space" } };
  return space;
}

export const isAnswer = (value: EmulatedSpace | Answer): value is Answer => value === "streamed" || "status" in value;
