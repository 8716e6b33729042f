import { z } from "zod";
import { SECRET_NAMES } from "../service/src/secrets.ts";

/**
 * The stack's configuration, read and checked in one place. Every problem is collected
 * so `pulumi preview` fails once with the whole list: missing keys, bad values, and
 * secrets that were set without --secret. Secret values are plain strings here; the
 * program wraps them with pulumi.secret before any resource sees them.
 */

/** Where the values come from: Pulumi's config in the program, a plain object in tests. */
export type ConfigSource = {
  /** The project's config namespace, e.g. "docs-chat". */
  project: string;
  get(key: string): string | undefined;
  isSecret(key: string): boolean;
  env: Readonly<Record<string, string | undefined>>;
};

export type DeployConfig = {
  hub: {
    url: string;
    owner: string;
    spaceName: string;
    private: boolean;
    hardware: string;
    sleepTimeSeconds: number | undefined;
    adoptExisting: boolean;
    deleteOnDestroy: boolean;
    token: string;
  };
  service: {
    /** Become Space secrets: one per name of SPACE_SECRET_NAMES. */
    secrets: Record<string, string>;
    /**
     * Become Space variables: only those the stack sets, so an unset one takes the service's
     * own default (ALLOWED_ORIGINS is added by the program, with the Space's own origin).
     */
    variables: Record<string, string>;
    allowedOrigins: string[];
  };
  vercel: {
    project: string;
    teamId: string | undefined;
    envName: string;
    targets: Array<"production" | "preview" | "development">;
    redeploy: boolean;
    apiUrl: string | undefined;
    token: string;
  };
  bundle: { build: boolean; dir: string };
  rollout: { buildTimeoutSeconds: number; healthTimeoutSeconds: number; pollIntervalSeconds: number; healthPath: string; rollbackOnFailure: boolean };
};

export class ConfigError extends Error {
  readonly code = "config_invalid";
  readonly problems: string[];
  constructor(stackLabel: string, problems: string[]) {
    super(`The configuration of ${stackLabel} is incomplete or invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** The deploy's own tokens: secrets of this program (service/src/secrets.ts names them too), never the Space's. */
const DEPLOY_TOKENS: ReadonlySet<string> = new Set(["HF_TOKEN", "VERCEL_TOKEN"]);

/**
 * The Space's secrets: the service's secret variables (service/src/secrets.ts) but the deploy's
 * tokens, and QDRANT_URL, kept secret too as it names the cluster. Each is set from the stack's
 * secret of the same name in camelCase (GEMINI_API_KEY from geminiApiKey).
 */
export const SPACE_SECRET_NAMES: readonly string[] = [...new Set([...SECRET_NAMES.filter((name) => !DEPLOY_TOKENS.has(name)), "QDRANT_URL"])].sort();

/**
 * Set by every stack: what the service requires in production (service/src/config.ts). The
 * other Space secrets (METRICS_TOKEN, the OTLP headers) turn a feature on and reach the Space
 * only when the stack sets them; one unset later is deleted from the Space.
 */
const REQUIRED_SPACE_SECRETS: ReadonlySet<string> = new Set(["GEMINI_API_KEY", "QDRANT_API_KEY", "DATABASE_URL", "QDRANT_URL"]);

/** GEMINI_API_KEY -> geminiApiKey. */
const stackKeyOf = (name: string) => name.toLowerCase().replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

const RESERVED_VARIABLES = new Set([...SPACE_SECRET_NAMES, "ALLOWED_ORIGINS"]);

const flag = z.enum(["true", "false"], "must be true or false").transform((v) => v === "true");
const seconds = (min: number) => z.coerce.number("must be a number of seconds").positive().min(min, `must be at least ${min}`);
const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).transform((url) => url.replace(/\/+$/, ""));
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/, "letters, digits, '.', '_' and '-' only, at most 96");
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");
/** A YAML list (stored as JSON) or a comma-separated string. */
const list = z.string().transform((text, ctx) => {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === "string")) return parsed.map((item) => item.trim()).filter(Boolean);
    } catch {
      // fall through
    }
    ctx.addIssue({ code: "custom", message: "must be a list of strings" });
    return z.NEVER;
  }
  return trimmed.split(",").map((item) => item.trim()).filter(Boolean);
});
const origin = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value.replace(/\/$/, "");
  } catch {
    return false;
  }
}, "each origin must look like https://example.com (scheme and host, no path)");

// key -> [schema, default (as config text), how to set it]. A key without default (and whose
// schema does not take undefined) is required. `variable`: the Space variable the key sets.
type Entry = { schema: z.ZodType; fallback?: string; secret?: boolean; env?: string; example: string; variable?: string };
const ENTRIES = {
  hfOwner: { schema: name, example: "<user or organisation>" },
  hfSpaceName: { schema: name, example: "<space name>" },
  hfPrivate: { schema: flag, fallback: "false", example: "false" },
  hfHardware: { schema: z.string().min(1), fallback: "cpu-basic", example: "cpu-basic" },
  hfSleepTimeSeconds: { schema: z.coerce.number("must be whole seconds").int("must be whole seconds").min(-1).optional(), example: "3600" },
  hfAdoptExisting: { schema: flag, fallback: "false", example: "true" },
  hfDeleteOnDestroy: { schema: flag, fallback: "false", example: "false" },
  hubUrl: { schema: httpUrl, fallback: "https://huggingface.co", example: "https://huggingface.co" },
  hfToken: { schema: z.string().min(1), secret: true, env: "HF_TOKEN", example: "<token with write access>" },

  // The Space variables these set have no default here: unset, the service's own applies.
  qdrantCollection: { schema: z.string().min(1).optional(), example: "docusaurus-book", variable: "QDRANT_COLLECTION" },
  logLevel: {
    schema: z
      .enum(["DEBUG", "INFO", "WARNING", "ERROR", "debug", "info", "warning", "error"], "must be DEBUG, INFO, WARNING or ERROR")
      .transform((level) => level.toUpperCase())
      .optional(),
    example: "INFO",
    variable: "LOG_LEVEL",
  },
  geminiModel: { schema: z.string().min(1).optional(), example: "gemini-2.5-flash", variable: "GEMINI_MODEL" },
  allowedOrigins: { schema: list.pipe(z.array(origin)), fallback: "[]", example: "https://book.example.com" },
  spaceVariables: {
    schema: z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: "custom", message: "must be a map of NAME: value" });
          return z.NEVER;
        }
      })
      .pipe(
        z.record(
          envName.refine((key) => !RESERVED_VARIABLES.has(key), "is set from its own key (secrets never go in spaceVariables)"),
          z.union([z.string(), z.number(), z.boolean()]).transform(String),
        ),
      ),
    fallback: "{}",
    example: "{RETRIEVAL_TOP_K: '5'}",
  },

  vercelProject: { schema: z.string().min(1), example: "<project id or name>" },
  vercelTeamId: { schema: z.string().min(1).optional(), example: "team_..." },
  vercelEnvName: { schema: envName, fallback: "CHAT_API_URL", example: "CHAT_API_URL" },
  vercelTargets: {
    schema: list.pipe(z.array(z.enum(["production", "preview", "development"], "targets are production, preview, development")).min(1, "needs at least one target")),
    fallback: '["production","preview"]',
    example: "[production, preview]",
  },
  vercelRedeploy: { schema: flag, fallback: "true", example: "true" },
  vercelApiUrl: { schema: httpUrl.optional(), example: "https://api.vercel.com" },
  vercelToken: { schema: z.string().min(1), secret: true, env: "VERCEL_TOKEN", example: "<Vercel token>" },

  bundleBuild: { schema: flag, fallback: "true", example: "true" },
  bundleDir: { schema: z.string().min(1), fallback: ".bundle", example: ".bundle" },
  rolloutBuildTimeoutSeconds: { schema: seconds(0.01), fallback: "1800", example: "1800" },
  rolloutHealthTimeoutSeconds: { schema: seconds(0.01), fallback: "300", example: "300" },
  rolloutPollSeconds: { schema: seconds(0.01), fallback: "10", example: "10" },
  healthPath: { schema: z.string().startsWith("/", "must start with /"), fallback: "/api/health", example: "/api/health" },
  rollbackOnFailure: { schema: flag, fallback: "true", example: "true" },
} satisfies Record<string, Entry>;

/** How a Space secret's value is checked, where more than "not empty" can be said. */
const SECRET_SCHEMAS: Readonly<Record<string, z.ZodType<string>>> = {
  QDRANT_URL: httpUrl,
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/\S+$/, "must be a postgres:// or postgresql:// URL"),
};

/** One secret stack key per Space secret. */
const SECRET_ENTRIES: Record<string, Entry> = Object.fromEntries(
  SPACE_SECRET_NAMES.map((secret) => {
    const schema = SECRET_SCHEMAS[secret] ?? z.string().min(1);
    return [stackKeyOf(secret), { schema: REQUIRED_SPACE_SECRETS.has(secret) ? schema : schema.optional(), secret: true, example: "" }];
  }),
);

type Key = keyof typeof ENTRIES;
type Values = { [K in Key]: z.output<(typeof ENTRIES)[K]["schema"]> };

export function loadConfig(source: ConfigSource, stackLabel = "this stack"): DeployConfig {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  const entries: Array<[string, Entry]> = [...Object.entries(ENTRIES), ...Object.entries(SECRET_ENTRIES)];
  for (const [key, entry] of entries) {
    const full = `${source.project}:${key}`;
    const set = `pulumi config set${entry.secret ? " --secret" : ""} ${key} ${entry.secret ? "" : entry.example}`.trimEnd();
    // An empty value (as Pulumi.prod.yaml ships the required keys) counts as missing.
    let raw = source.get(full)?.trim() || undefined;
    if (raw !== undefined && entry.secret && !source.isSecret(full)) {
      problems.push(`${full} is stored in plain text: set it again with \`pulumi config set --secret ${key}\``);
      continue;
    }
    if (raw === undefined && entry.env) raw = source.env[entry.env] || undefined;
    if (raw === undefined) raw = entry.fallback;
    if (raw === undefined && !entry.schema.safeParse(undefined).success) {
      problems.push(`missing ${full}${entry.env ? ` (or the environment variable ${entry.env})` : ""}: \`${set}\``);
      continue;
    }
    const parsed = entry.schema.safeParse(raw);
    if (!parsed.success) {
      // The message names the key and the rule, never the value: it may be a secret.
      const issue = parsed.error.issues[0];
      problems.push(`${full} ${issue?.message ?? "is invalid"}`);
      continue;
    }
    values[key] = parsed.data;
  }
  if (problems.length > 0) throw new ConfigError(stackLabel, problems);
  const secrets = Object.fromEntries(
    SPACE_SECRET_NAMES.flatMap((secret) => (values[stackKeyOf(secret)] === undefined ? [] : [[secret, values[stackKeyOf(secret)] as string]])),
  );
  // Only the variables the stack sets: an unset one is the service's own default.
  const variables: Record<string, string> = {};
  for (const [key, entry] of entries) if (entry.variable && values[key] !== undefined) variables[entry.variable] = String(values[key]);
  return toDeployConfig(values as Values, secrets, variables);
}

function toDeployConfig(v: Values, secrets: Record<string, string>, variables: Record<string, string>): DeployConfig {
  return {
    hub: {
      url: v.hubUrl,
      owner: v.hfOwner,
      spaceName: v.hfSpaceName,
      private: v.hfPrivate,
      hardware: v.hfHardware,
      sleepTimeSeconds: v.hfSleepTimeSeconds,
      adoptExisting: v.hfAdoptExisting,
      deleteOnDestroy: v.hfDeleteOnDestroy,
      token: v.hfToken,
    },
    service: {
      secrets,
      variables: { ...v.spaceVariables, ...variables },
      allowedOrigins: v.allowedOrigins.map((o) => o.replace(/\/$/, "")),
    },
    vercel: {
      project: v.vercelProject,
      teamId: v.vercelTeamId,
      envName: v.vercelEnvName,
      targets: v.vercelTargets,
      redeploy: v.vercelRedeploy,
      apiUrl: v.vercelApiUrl,
      token: v.vercelToken,
    },
    bundle: { build: v.bundleBuild, dir: v.bundleDir },
    rollout: {
      buildTimeoutSeconds: v.rolloutBuildTimeoutSeconds,
      healthTimeoutSeconds: v.rolloutHealthTimeoutSeconds,
      pollIntervalSeconds: v.rolloutPollSeconds,
      healthPath: v.healthPath,
      rollbackOnFailure: v.rollbackOnFailure,
    },
  };
}

/** ALLOWED_ORIGINS: the configured origins plus the Space's own, once each. */
export function allowedOriginsWith(origins: readonly string[], spaceHost: string): string {
  const own = new URL(spaceHost).origin;
  return [...new Set([...origins, own])].join(",");
}
