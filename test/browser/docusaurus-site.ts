// A real Docusaurus 3 book with the chat theme, assembled as "Connect your book" tells an
// author to: the site of test/docusaurus-site (its one `themes` entry), the sample book as its
// docs, and the theme installed as the package `npm pack` makes of docusaurus-kit/. Built and
// served by Docusaurus' own CLI from the packages .ci/run installs (npm ci in
// .cache/docusaurus-site, from test/docusaurus-site's lockfile, which also installs the theme's
// own dependencies).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SITE_SOURCE = join(ROOT, "test/docusaurus-site");
const KIT = join(ROOT, "docusaurus-kit");
export const THEME_PACKAGE = "docusaurus-theme-docs-chat";
/** Where .ci/run installs the site's packages (outside the test tree: tsc and node --test stay out). */
export const SITE_INSTALL = join(ROOT, ".cache/docusaurus-site");

/** Why the site cannot be built here, in one line; undefined when it can. */
export function siteMissing(): string | undefined {
  const kitHint = "npm ci --prefix docusaurus-kit (as .ci/run does)";
  const hint = `mkdir -p .cache/docusaurus-site && cp test/docusaurus-site/package*.json test/docusaurus-site/.npmrc .cache/docusaurus-site/ && npm ci --prefix .cache/docusaurus-site (as .ci/run does, after ${kitHint})`;
  if (!existsSync(join(KIT, "node_modules/typescript"))) return `the theme's build tools are not installed: ${kitHint}`;
  if (!existsSync(join(SITE_INSTALL, "node_modules/.bin/docusaurus"))) return `the Docusaurus test site is not installed: ${hint}`;
  const installed = join(SITE_INSTALL, "package-lock.json");
  if (readFileSync(installed, "utf8") !== readFileSync(join(SITE_SOURCE, "package-lock.json"), "utf8")) return `the Docusaurus test site's install is out of date: ${hint}`;
  return undefined;
}

export interface AssembledSite {
  dir: string;
  /** Runs a command of the site's installed packages (docusaurus, tsc) to its end. */
  run(bin: string, args: string[], env?: Record<string, string>): Promise<{ code: number | null; output: string }>;
  serve(port: number): Promise<{ url: string; close(): Promise<void> }>;
  remove(): void;
}

/**
 * Copies the site and the sample book into `dir` (a scratch folder by default) and installs the
 * theme there from a fresh `npm pack` of docusaurus-kit/ (its `prepare` builds lib/), so the
 * test runs the theme as it is now, packed as a book gets it. Every other package is the
 * shared install's, linked.
 */
export function assembleSite(dir = mkdtempSync(join(tmpdir(), "docusaurus-kit-site-"))): AssembledSite {
  mkdirSync(dir, { recursive: true });
  for (const file of ["package.json", "docusaurus.config.ts", "tsconfig.json"]) cpSync(join(SITE_SOURCE, file), join(dir, file));
  cpSync(join(SITE_SOURCE, "src"), join(dir, "src"), { recursive: true });
  cpSync(join(ROOT, "service/sample-docs/docs"), join(dir, "docs"), { recursive: true });

  const modules = join(dir, "node_modules");
  rmSync(modules, { recursive: true, force: true });
  mkdirSync(modules);
  for (const entry of readdirSync(join(SITE_INSTALL, "node_modules"))) {
    if (entry !== THEME_PACKAGE && entry !== ".cache") symlinkSync(join(SITE_INSTALL, "node_modules", entry), join(modules, entry));
  }
  const packed = mkdtempSync(join(tmpdir(), "docusaurus-kit-pack-"));
  try {
    // The README's own command (`npm pack ./docusaurus-kit`), into a scratch folder.
    const [{ filename }] = JSON.parse(execFileSync("npm", ["pack", "./docusaurus-kit", "--json", "--pack-destination", packed], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })) as [{ filename: string }];
    mkdirSync(join(modules, THEME_PACKAGE));
    execFileSync("tar", ["-xzf", join(packed, filename), "-C", join(modules, THEME_PACKAGE), "--strip-components=1"]);
  } finally {
    rmSync(packed, { recursive: true, force: true });
  }
  return siteAt(dir);
}

/** A site assembled before (kept with DOCS_CHAT_SITE_DIR), to serve its build again. */
export function siteAt(dir: string): AssembledSite {
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

/** Records which backend URL a kept build was made for (it is built into the pages). */
export function markBuilt(dir: string, apiUrl: string): void {
  writeFileSync(join(dir, "build/.chat-api-url"), apiUrl);
}

/** The backend URL a kept build was made for; undefined when there is no finished build. */
export function builtFor(dir: string): string | undefined {
  const marker = join(dir, "build/.chat-api-url");
  return existsSync(marker) ? readFileSync(marker, "utf8") : undefined;
}
