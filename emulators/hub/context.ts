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

/** A token the emulator accepts: write or read access, to every repo of the user or to some. */
export type HubToken = { token: string; role: "read" | "write"; repos?: string[] };

/** The Hub's 409 when two repo creations of one namespace overlap; huggingface_hub retries it. */
export const CONFLICTING_OPERATION = "Cannot create repo: another conflicting operation is in progress";

/** The account's plan: a free one cannot create Docker or Gradio Spaces (402). */
export type HubPlan = "free" | "pro";

export type HubState = {
  /** The emulator's base URL (known once it listens). */
  url: string;
  user: string;
  orgs: string[];
  plan: HubPlan;
  /** Namespaces with a repo creation under way: a second one at once is the Hub's 409. */
  creating: Set<string>;
  /** How long a creation holds its namespace. */
  repoCreateMs: number;
  spaces: Map<string, EmulatedSpace>;
  builds: SpaceBuilds;
  /** Whether changing a secret, variable or the hardware restarts the Space by itself. */
  restartOnSettingsChange: boolean;
  keepAliveMs: number;
};

export type HubContext = {
  ex: Exchange<HubLoggedRequest>;
  /** The token's grant; null without a (valid) token. */
  caller: HubToken | null;
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

/** The Hub's answer to a token that may not do this (a read token, or one scoped to other repos). */
export const missingScope = (repoId: string): Answer => ({
  status: 403,
  body: { error: `This access token does not have write access to ${repoId}. Use a token with the "write" role or a fine-grained token with write access to it.` },
});

/**
 * The Space, or the Hub's answer when the caller may not see it or change it: 404 for a
 * missing repo, 401 (RepoNotFound, as huggingface_hub reads it) for one the token cannot see
 * or without a token, 403 for a token without the scope or rights to write.
 */
export function spaceFor(ctx: HubContext, owner: string, name: string, write: boolean): EmulatedSpace | Answer {
  const repoId = `${owner}/${name}`;
  const space = ctx.state.spaces.get(repoId);
  const notFound = { body: { error: "Repository not found" }, headers: { "X-Error-Code": "RepoNotFound" } };
  if (!space) return { status: ctx.caller ? 404 : 401, ...notFound };
  const { caller } = ctx;
  const scoped = caller !== null && (caller.repos === undefined || caller.repos.includes(repoId));
  const visible = !space.private || (scoped && canWrite(ctx.state, owner));
  if (!visible) return { status: 401, ...notFound };
  if (!write) return space;
  if (!caller) return unauthorized();
  if (caller.role !== "write" || !scoped) return missingScope(repoId);
  if (!canWrite(ctx.state, owner)) return { status: 403, body: { error: "You don't have the rights to modify this space" } };
  return space;
}

export const isAnswer = (value: EmulatedSpace | Answer): value is Answer => value === "streamed" || "status" in value;
