// The Space's Dockerfile and README, read the way Docker and the Hub read them.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { DockerfileParser, type Instruction, type JSONInstruction } from "dockerfile-ast";
import { parse as parseYaml } from "yaml";

const spaceDir = join(import.meta.dirname, "..", "huggingface-spaces");
const dockerfileText = readFileSync(join(spaceDir, "Dockerfile"), "utf8");
const dockerfile = DockerfileParser.parse(dockerfileText);

type Stage = { from: Instruction; image: string; name: string | undefined; instructions: Instruction[] };

function stagesOf(instructions: Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.getKeyword() === "FROM") {
      const [image = "", as, name] = instruction.getArguments().map((arg) => arg.getValue());
      stages.push({ from: instruction, image, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

const stages = stagesOf(dockerfile.getInstructions());
const finalStage = stages.at(-1) as Stage;
const buildStages = stages.slice(0, -1);

const ofKind = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.getKeyword() === keyword);
const content = (instruction: Instruction) => (instruction.getArgumentsContent() ?? "").replace(/\s+/g, " ").trim();
const jsonArgs = (instruction: Instruction) =>
  (instruction as JSONInstruction).getJSONStrings().map((s) => s.getJSONValue());
const flag = (instruction: Instruction, name: string) =>
  (instruction as JSONInstruction).getFlags().find((f) => f.getName() === name)?.getValue();
const runCommands = (stage: Stage) => ofKind(stage, "RUN").map(content);
const envOf = (stage: Stage) =>
  new Map(
    ofKind(stage, "ENV").flatMap((env) =>
      (env as unknown as { getProperties(): Array<{ getName(): string; getValue(): string | null }> })
        .getProperties()
        .map((p) => [p.getName(), p.getValue()] as const),
    ),
  );
const nodeMajor = process.versions.node.split(".")[0];

describe("Dockerfile", () => {
  test("is multi-stage: a build stage, then a slim official Node image of the project's major", () => {
    assert.ok(stages.length >= 2, "at least a build stage and a runtime stage");
    assert.ok(buildStages.every((stage) => stage.name), "build stages are named so the runtime stage can COPY --from them");
    for (const stage of stages) {
      assert.match(stage.image, /^node:\d+(\.\d+)*-[a-z]+-slim$/, `${stage.image}: the official node image, slim, major pinned`);
    }
    assert.ok(
      finalStage.image.startsWith(`node:${nodeMajor}-`),
      `the runtime image pins Node ${nodeMajor}, the major this project runs on`,
    );
  });

  test("the build stage installs with npm ci and compiles with npm run build", () => {
    const commands = buildStages.flatMap(runCommands);
    const install = commands.findIndex((c) => /\bnpm ci\b/.test(c) && !/--omit[= ]dev/.test(c));
    const compile = commands.findIndex((c) => /\bnpm run build\b/.test(c));
    assert.ok(install >= 0, `a full npm ci in ${JSON.stringify(commands)}`);
    assert.ok(compile > install, "compiles after installing");
  });

  test("the runtime stage installs production dependencies only and keeps no build tools", () => {
    const commands = runCommands(finalStage);
    assert.ok(commands.some((c) => /\bnpm ci\b.*--omit[= ]dev/.test(c)), `npm ci --omit=dev in ${JSON.stringify(commands)}`);
    for (const command of commands) {
      assert.doesNotMatch(command, /\bnpm (install|i|run build)\b|\bnpm ci\b(?!.*--omit[= ]dev)/, `${command}: only the production install`);
      assert.doesNotMatch(command, /apt-get|apk add|build-essential|\bgcc\b|\bg\+\+|\bmake\b|python3?|typescript|\btsc\b/, command);
    }
    for (const copy of ofKind(finalStage, "COPY")) {
      assert.doesNotMatch(content(copy), /node_modules/, `${content(copy)}: dependencies come from npm ci --omit=dev`);
    }
    assert.equal(envOf(finalStage).get("NODE_ENV"), "production");
  });

  test("the runtime stage runs as node (UID 1000), with its files and WORKDIR under /home/node", () => {
    const users = ofKind(finalStage, "USER").map(content);
    assert.equal(users.at(-1), "node", "the last USER is node");
    const userLine = ofKind(finalStage, "USER").at(-1)?.getRange().start.line ?? 0;
    const comments = dockerfile
      .getComments()
      .filter((c) => c.getRange().start.line < userLine && c.getRange().start.line > finalStage.from.getRange().start.line)
      .map((c) => c.getContent() ?? "")
      .join(" ");
    assert.match(comments, /\b1000\b/, "a comment above USER says why node: it is UID 1000");
    assert.equal(content(ofKind(finalStage, "WORKDIR").at(-1) as Instruction), "/home/node/app");
    const runsAsRoot = ofKind(finalStage, "RUN").filter((run) => run.getRange().start.line < userLine);
    assert.deepEqual(runsAsRoot.map(content), [], "nothing runs as root in the runtime stage");
  });

  test("every COPY gives its files to node", () => {
    const copies = dockerfile.getCOPYs();
    assert.ok(copies.length > 0);
    for (const copy of copies) {
      assert.match(flag(copy, "chown") ?? "", /^(node|1000)(:(node|1000))?$/, `${content(copy)} has --chown=node:node`);
    }
    assert.equal(dockerfile.getInstructions().filter((i) => i.getKeyword() === "ADD").length, 0, "COPY, never ADD");
  });

  test("listens on 7860: EXPOSE and ENV PORT", () => {
    assert.deepEqual(ofKind(finalStage, "EXPOSE").map(content), ["7860"]);
    assert.equal(envOf(finalStage).get("PORT"), "7860");
  });

  test("HEALTHCHECK asks /api/health/live with node itself (the slim image has no curl)", () => {
    const checks = ofKind(finalStage, "HEALTHCHECK");
    assert.equal(checks.length, 1);
    const body = /^CMD\s+(\[.*\])$/s.exec(content(checks[0] as Instruction))?.[1];
    assert.ok(body, "HEALTHCHECK CMD in exec form");
    const argv = JSON.parse(body) as string[];
    assert.equal(argv[0], "node");
    assert.ok(argv.some((arg) => arg.includes("/api/health/live")));
    assert.doesNotMatch(argv.join(" "), /\b(curl|wget)\b/);
  });

  test('CMD is ["node","dist/server.js"] in exec form, so SIGTERM reaches node', () => {
    const cmds = ofKind(finalStage, "CMD");
    assert.equal(cmds.length, 1);
    assert.deepEqual(jsonArgs(cmds[0] as Instruction), ["node", "dist/server.js"]);
    assert.equal(ofKind(finalStage, "ENTRYPOINT").length, 0, "no ENTRYPOINT wrapping node in a shell");
  });
});

describe("Space README and .dockerignore", () => {
  const readme = readFileSync(join(spaceDir, "README.md"), "utf8");
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(readme);

  test("front matter declares a Docker Space on port 7860", () => {
    assert.ok(match, "README.md starts with YAML front matter");
    const meta = parseYaml(match[1] as string) as Record<string, unknown>;
    const colors = ["red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"];
    assert.equal(meta.sdk, "docker");
    assert.equal(meta.app_port, 7860);
    assert.equal(typeof meta.title, "string");
    assert.ok(typeof meta.emoji === "string" && meta.emoji.length > 0);
    assert.ok(colors.includes(meta.colorFrom as string), `colorFrom ${String(meta.colorFrom)}`);
    assert.ok(colors.includes(meta.colorTo as string), `colorTo ${String(meta.colorTo)}`);
    assert.ok(typeof meta.short_description === "string" && meta.short_description.length <= 60, "short_description, 60 characters at most");
    assert.equal(typeof meta.pinned, "boolean");
  });

  test("the body says what the Space is and links /docs", () => {
    const body = match?.[2] ?? "";
    assert.match(body, /chat/i);
    assert.match(body, /\{\{DOCS_LINK\}\}/, "the bundle fills in the link to the app's /docs");
  });

  test(".dockerignore keeps dependencies, build output and secrets out of the image", () => {
    const lines = readFileSync(join(spaceDir, ".dockerignore"), "utf8").split("\n").map((l) => l.trim());
    for (const pattern of ["**/node_modules", "**/dist", "**/.env", "**/.env.*", "**/*.pem", "**/*.key", "**/.git"]) {
      assert.ok(lines.includes(pattern), `.dockerignore has ${pattern}`);
    }
  });
});
