// The build plan of a Dockerfile, as the space runner rehearses it: its stages, each with
// the steps it replays (RUN, COPY, WORKDIR, ENV, ARG, USER) and the CMD, ENTRYPOINT and
// HEALTHCHECK it ends with; and which stages the final one needs. Parsing only, no I/O.
// Test code, never shipped.
import { DockerfileParser, type Instruction, type JSONInstruction } from "dockerfile-ast";

export class BuildFailure extends Error {
  readonly code = "SPACE_BUILD_FAILED";
}

export type Step =
  | { kind: "run"; text: string; argv: string[] }
  | { kind: "copy"; text: string; sources: string[]; dest: string; from: string | undefined; chown: boolean }
  | { kind: "workdir"; text: string; path: string }
  | { kind: "env"; text: string; vars: Array<[string, string]> }
  | { kind: "arg"; text: string; name: string; value: string | undefined }
  | { kind: "user"; text: string; user: string };

export type StagePlan = {
  index: number;
  name: string | undefined;
  image: string;
  steps: Step[];
  cmd: Command | undefined;
  entrypoint: Command | undefined;
  healthcheck: { argv: string[]; timeoutMs: number } | undefined;
};

export type Command = { exec: boolean; parts: string[] };

export function planStages(dockerfile: string): StagePlan[] {
  const stages: StagePlan[] = [];
  for (const instruction of DockerfileParser.parse(dockerfile).getInstructions()) {
    const keyword = instruction.getKeyword();
    const text = instruction.toString().replace(/\s+/g, " ").trim();
    if (keyword === "FROM") {
      const [image, as, name] = instruction.getArguments().map((arg) => arg.getValue());
      if (!image) throw new BuildFailure(`${text}: no image`);
      stages.push({
        index: stages.length,
        name: as?.toUpperCase() === "AS" ? name : undefined,
        image,
        steps: [],
        cmd: undefined,
        entrypoint: undefined,
        healthcheck: undefined,
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) {
      if (keyword === "ARG") continue; // ARG before FROM only parameterises FROM
      throw new BuildFailure(`${text}: before any FROM`);
    }
    switch (keyword) {
      case "RUN":
        stage.steps.push({ kind: "run", text, argv: runArgv(instruction as JSONInstruction, text) });
        break;
      case "COPY": {
        const copy = instruction as JSONInstruction;
        const flags = new Map(copy.getFlags().map((flag) => [flag.getName(), flag.getValue()]));
        const args = jsonOrWords(copy);
        const dest = args.pop();
        if (!dest || args.length === 0) throw new BuildFailure(`${text}: needs a source and a destination`);
        const from = flags.get("from") ?? undefined;
        stage.steps.push({ kind: "copy", text, sources: args, dest, from, chown: flags.has("chown") });
        break;
      }
      case "WORKDIR":
        stage.steps.push({ kind: "workdir", text, path: instruction.getArgumentsContent()?.trim() ?? "" });
        break;
      case "ENV": {
        const env = instruction as unknown as { getProperties(): Array<{ getName(): string; getValue(): string | null }> };
        const vars = env.getProperties().map((p): [string, string] => [p.getName(), p.getValue() ?? ""]);
        stage.steps.push({ kind: "env", text, vars });
        break;
      }
      case "ARG": {
        const [name, value] = (instruction.getArgumentsContent() ?? "").trim().split(/=(.*)/s);
        if (name) stage.steps.push({ kind: "arg", text, name, value: value === undefined ? undefined : unquote(value) });
        break;
      }
      case "USER":
        stage.steps.push({ kind: "user", text, user: instruction.getArgumentsContent()?.trim() ?? "root" });
        break;
      case "CMD":
        stage.cmd = command(instruction as JSONInstruction);
        break;
      case "ENTRYPOINT":
        stage.entrypoint = command(instruction as JSONInstruction);
        break;
      case "HEALTHCHECK":
        stage.healthcheck = healthcheckOf(instruction, text);
        break;
      case "EXPOSE":
      case "LABEL":
      case "STOPSIGNAL":
      case "VOLUME":
      case "MAINTAINER":
        break; // nothing to rehearse
      default:
        throw new BuildFailure(`${text}: ${keyword} is not rehearsed by the space runner`);
    }
  }
  if (stages.length === 0) throw new BuildFailure("the Dockerfile has no FROM");
  return stages;
}

function runArgv(run: JSONInstruction, text: string): string[] {
  for (const flag of run.getFlags()) {
    const mount = flag.getName() === "mount" ? (flag.getValue() ?? "") : undefined;
    // A cache mount only speeds builds up; the rehearsal has its own npm cache.
    if (mount === undefined || !/(^|,)type=cache(,|$)/.test(mount)) {
      throw new BuildFailure(`${text}: RUN --${flag.getName()} is not rehearsed`);
    }
  }
  const json = run.getJSONStrings().map((s) => s.getJSONValue());
  if (json.length > 0) return json;
  return ["/bin/sh", "-c", run.getArgumentsContent() ?? ""];
}

function command(instruction: JSONInstruction): Command {
  const json = instruction.getJSONStrings().map((s) => s.getJSONValue());
  if (json.length > 0) return { exec: true, parts: json };
  return { exec: false, parts: [instruction.getArgumentsContent() ?? ""] };
}

function jsonOrWords(instruction: JSONInstruction): string[] {
  const json = instruction.getJSONStrings().map((s) => s.getJSONValue());
  return json.length > 0 ? json : instruction.getArguments().map((arg) => arg.getValue());
}

function healthcheckOf(instruction: Instruction, text: string): StagePlan["healthcheck"] {
  const content = instruction.getArgumentsContent() ?? "";
  const match = /^\s*CMD\s+([\s\S]*)$/i.exec(content);
  if (!match?.[1]) return undefined; // HEALTHCHECK NONE
  const body = match[1].trim();
  const argv = body.startsWith("[") ? (JSON.parse(body) as string[]) : ["/bin/sh", "-c", body];
  const flags = new Map(
    (instruction as JSONInstruction).getFlags().map((flag) => [flag.getName(), flag.getValue() ?? ""]),
  );
  const timeout = /^(\d+)s$/.exec(flags.get("timeout") ?? "30s");
  if (!timeout?.[1]) throw new BuildFailure(`${text}: --timeout must be in seconds`);
  return { argv, timeoutMs: Number(timeout[1]) * 1000 };
}

function unquote(value: string): string {
  const trimmed = value.trim();
  return /^(["']).*\1$/s.test(trimmed) ? trimmed.slice(1, -1) : trimmed;
}

/** The stages the final one needs (FROM <stage>, COPY --from), in file order. */
export function neededStages(stages: StagePlan[]): StagePlan[] {
  const needed = new Set<number>();
  const visit = (stage: StagePlan) => {
    if (needed.has(stage.index)) return;
    needed.add(stage.index);
    const base = stageByRef(stages, stage.image, stage.index);
    if (base) visit(base);
    for (const step of stage.steps) {
      if (step.kind !== "copy" || step.from === undefined) continue;
      const source = stageByRef(stages, step.from, stage.index);
      if (!source) throw new BuildFailure(`${step.text}: --from=${step.from} is not an earlier stage`);
      visit(source);
    }
  };
  visit(stages[stages.length - 1] as StagePlan);
  return stages.filter((stage) => needed.has(stage.index));
}

function stageByRef(stages: StagePlan[], ref: string, before: number): StagePlan | undefined {
  return stages.find(
    (stage) => stage.index < before && (stage.name?.toLowerCase() === ref.toLowerCase() || String(stage.index) === ref),
  );
}
