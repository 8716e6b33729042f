// A real Docusaurus 3 book with the chat kit, assembled as "Connect your book" tells an
// author to: the site of test/docusaurus-site, the sample book as its docs, the kit copied
// in by the README's own command. Built and served by Docusaurus' own CLI from the packages .ci/run installs
// (npm ci in .cache/docusaurus-site, from test/docusaurus-site's lockfile).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readmeCommands } from "../support/readme.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SITE_SOURCE = join(ROOT, "test/docusaurus-site");
/** Where .ci/run installs the site's packages (outside the test tree: tsc and node --test stay out). */
export const SITE_INSTALL = join(ROOT, ".cache/docusaurus-site");

/** Why the site cannot be built here, in one line; undefined when it can. */
export function siteMissing(): string | undefined {
  const installed = join(SITE_INSTALL, "package-lock.json");
  const hint = `mkdir -p .cache/docusaurus-site && cp test/docusaurus-site/package*.json .cache/docusaurus-site/ && npm ci --prefix .cache/docusaurus-site (as .ci/run does)`;
  if (!existsSync(join(SITE_INSTALL, "node_modules/.bin/docusaurus"))) return `the Docusaurus test site is not installed: ${hint}`;
  if (readFileSync(installed, "utf8") !== readFileSync(join(SITE_SOURCE, "package-lock.json"), "utf8")) return `the Docusaurus test site's install is out of date: ${hint}`;
  return undefined;
}

export interface BuiltSite {
  dir: string;
  /** Runs a command of the site's installed packages (docusaurus, tsc) to its end. */
  run(bin: string, args: string[], env?: Record<string, string>): Promise<{ code: number | null; output: string }>;
  serve(port: number): Promise<{ url: string; close(): Promise<void> }>;
  remove(): void;
}

/** Copies the site, the sample book and the kit into a scratch folder. */
export function assembleSite(): BuiltSite {
  const dir = mkdtempSync(join(tmpdir(), "docusaurus-kit-site-"));
  for (const file of ["package.json", "docusaurus.config.ts", "tsconfig.json"]) cpSync(join(SITE_SOURCE, file), join(dir, file));
  cpSync(join(ROOT, "service/sample-docs/docs"), join(dir, "docs"), { recursive: true });
  // The README's own line copies the kit into the book.
  const copy = readmeCommands("docusaurus-kit/").find((line) => line.startsWith("cp "));
  if (!copy) throw new Error("README's Connect your book has no cp line for the kit");
  execFileSync("bash", ["-c", copy.replaceAll("path/to/book", dir)], { cwd: ROOT });
  symlinkSync(join(SITE_INSTALL, "node_modules"), join(dir, "node_modules"));

  const start = (bin: string, args: string[], env: Record<string, string> = {}) =>
    spawn(join(dir, "node_modules/.bin", bin), args, { cwd: dir, env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const collect = (child: ChildProcess) => {
    let output = "";
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    return () => output;
  };
  return {
    dir,
    run(bin, args, env) {
      const child = start(bin, args, env);
      const output = collect(child);
      return new Promise((resolve) => child.once("close", (code) => resolve({ code, output: output() })));
    },
    async serve(port) {
      const child = start("docusaurus", ["serve", "--port", String(port), "--host", "127.0.0.1", "--no-open"]);
      const output = collect(child);
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 30_000;
      while (!(await fetch(url).then((r) => r.ok, () => false))) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`docusaurus serve did not answer:\n${output()}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return {
        url,
        close: async () => {
          if (child.exitCode === null) process.kill(-child.pid!, "SIGTERM");
          await new Promise((resolve) => (child.exitCode === null ? child.once("close", resolve) : resolve(undefined)));
        },
      };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
