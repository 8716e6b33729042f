// The space runner's network is the Space's: the app reaches the outside only on ports 80,
// 443 and 8080 (docs/platform-facts.md: Space egress ports), its own port stays its own.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { freePort, listen } from "../core/http.ts";
import { startSpace, type RunningSpace } from "../space-runner/space-runner.ts";
import { spaceAppFile, startWhereSpaceReaches } from "../../test/support/space-fixtures.ts";
import { SLOW_SUITE_MS, until } from "./support.ts";

describe("space runner: the Space's egress", { timeout: SLOW_SUITE_MS }, () => {
  const servers: Server[] = [];
  let repo: string;
  let space: RunningSpace;
  let elsewhere: string;
  let allowed: string;

  const upstream = async (host: string, port: number) => {
    const server = createServer((_req, res) => res.end("upstream"));
    servers.push(server);
    const bound = await listen(server, port, host);
    return `http://${host}:${bound}/`;
  };

  before(async () => {
    elsewhere = await upstream("127.0.0.1", 0); // a port the Space cannot reach
    allowed = await startWhereSpaceReaches(upstream); // 8080 (or 443, 80) of a loopback address of its own
    repo = await mkdtemp(join(tmpdir(), "egress-space-"));
    await copyFile(spaceAppFile("server.js"), join(repo, "server.js"));
    // The HEALTHCHECK reaches the app's own port: inside the container, not egress.
    const health = `HEALTHCHECK --timeout=30s CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(2))"]`;
    await writeFile(join(repo, "Dockerfile"), `FROM node:24-slim\nWORKDIR /app\nCOPY server.js ./\n${health}\nCMD ["node", "server.js"]\n`);
    space = await startSpace({ repoDir: repo, env: {}, port: await freePort() });
    await until("the app", async () => ((await fetch(`${space.url}/api/health`).catch(() => undefined))?.ok ? true : undefined));
  });

  after(async () => {
    await space?.stop();
    for (const server of servers) server.close();
    await rm(repo, { recursive: true, force: true });
  });

  const reach = async (url: string) => (await (await fetch(`${space.url}/reach?url=${encodeURIComponent(url)}`)).json()) as { status?: number; error?: string };

  test("a connection to a port other than 80, 443 and 8080 never opens, as on the Space: the client's connect timeout ends it", async () => {
    assert.deepEqual(await reach(elsewhere), { error: "UND_ERR_CONNECT_TIMEOUT" });
  });

  test("an upstream on 8080 (or 443, 80) is reached", async () => {
    assert.deepEqual(await reach(allowed), { status: 200 });
  });

  test("the app's own port is inside the container: its HEALTHCHECK passes", async () => {
    const result = await space.healthcheck();
    assert.equal(result.ok, true, result.output);
  });
});
