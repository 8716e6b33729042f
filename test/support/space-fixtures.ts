// What the Space tests share: the test Space's files (space-app/, for the emulator and infra
// tests), the Space's user, upstreams where an emulated Space can reach them, a database of its
// own on the test server, the book's collection as the previous backend left it, and the chat
// as the book's client reads it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { GoogleGenAI } from "@google/genai";
import { QdrantClient } from "@qdrant/js-client-rest";
import { TcpForwarder } from "../../emulators/core/tcp-forwarder.ts";
import { startWhereSpaceReaches } from "../../emulators/space-runner/egress.ts";

export { startWhereSpaceReaches };

export const SPACE_UID = 1000;

/** A file of the test Space: a Dockerfile and a tiny server with no dependencies. */
export const spaceAppFile = (name: "Dockerfile" | "server.js") => new URL(`./space-app/${name}`, import.meta.url);
export const COLLECTION = "docusaurus-book";
const EMBEDDING_MODEL = "gemini-embedding-001";
const DIMENSIONS = 768;

/** The Space's user; created (HOME at `home`) when this machine has no UID 1000. Returns its name when created. */
export function ensureUser(uid: number, home: string): string | undefined {
  if (spawnSync("getent", ["passwd", String(uid)]).status === 0) return undefined;
  const name = "space";
  const result = spawnSync("useradd", ["--uid", String(uid), "--no-create-home", "--home-dir", home, "--shell", "/usr/sbin/nologin", name]);
  assert.equal(result.status, 0, `useradd: ${result.stderr}`);
  return name;
}

/** A Postgres URL as a Space reaches it: the same database behind a forwarder where the Space reaches (127.x.y.z:8080). */
export async function postgresForSpace(databaseUrl: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = new URL(databaseUrl);
  const target = { host: server.hostname, port: Number(server.port || 5432) };
  const forwarder = await startWhereSpaceReaches((host, port) => TcpForwarder.open({ host, port, target }));
  const url = new URL(databaseUrl);
  url.hostname = forwarder.host;
  url.port = String(forwarder.port);
  return { url: url.toString(), close: () => forwarder.close() };
}

export type OwnDatabase = { url: string; drop: () => void };

/**
 * A database on the test server. With `ownRole`, it belongs to a new login role with a
 * random password, so the URL is a secret no other string on the machine contains.
 */
export function createDatabase(adminUrl: string, options: { ownRole?: boolean } = {}): OwnDatabase {
  const suffix = randomUUID().replaceAll("-", "").slice(0, 12);
  const name = `space_rehearsal_${suffix}`;
  const psql = (sql: string) => {
    const result = spawnSync("psql", [adminUrl, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], { encoding: "utf8" });
    assert.equal(result.status, 0, `psql: ${result.stderr}`);
  };
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let role: string | undefined;
  if (options.ownRole) {
    role = `canary_${suffix}`;
    const password = `pg-canary-${randomBytes(12).toString("hex")}`;
    psql(`create role ${role} login password '${password}'`);
    psql(`create database ${name} owner ${role}`);
    url.username = role;
    url.password = password;
  } else {
    psql(`create database ${name}`);
  }
  return {
    url: url.toString(),
    drop: () => {
      psql(`drop database if exists ${name} with (force)`);
      if (role) psql(`drop role if exists ${role}`);
    },
  };
}

/** The book's collection as the previous backend left it, embedded by the Gemini emulator. */
export async function seedCollection(gemini: { url: string; apiKey: string }, qdrant: { url: string; apiKey: string }): Promise<void> {
  const chunks = [
    { file_path: "docs/module-01/chapter-01.md", heading_path: ["Setup", "Workspace"], content: "Set up the workspace with colcon and source the overlay before building." },
    { file_path: "docs/module-01/chapter-02.md", heading_path: ["Nodes"], content: "A node is a process that publishes and subscribes to topics." },
    { file_path: "docs/module-02/chapter-01.md", heading_path: ["Simulation", "Gazebo"], content: "Gazebo simulates the robot and its sensors before it meets hardware." },
  ];
  const genai = new GoogleGenAI({ apiKey: gemini.apiKey, httpOptions: { baseUrl: gemini.url } });
  const embedded = await genai.models.embedContent({
    model: EMBEDDING_MODEL,
    contents: chunks.map((chunk) => chunk.content),
    config: { taskType: "RETRIEVAL_DOCUMENT", outputDimensionality: DIMENSIONS },
  });
  const client = new QdrantClient({ url: qdrant.url, apiKey: qdrant.apiKey, checkCompatibility: false });
  await client.createCollection(COLLECTION, { vectors: { size: DIMENSIONS, distance: "Cosine" } });
  await client.upsert(COLLECTION, {
    wait: true,
    points: chunks.map((chunk, i) => ({
      id: randomUUID(),
      vector: embedded.embeddings?.[i]?.values ?? [],
      payload: {
        ...chunk,
        section_depth: chunk.heading_path.length,
        token_count: chunk.content.split(/\s+/).length,
        embedding_model: EMBEDDING_MODEL,
      },
    })),
  });
}

export type ChatEvent = { type: string; [key: string]: unknown };

/** POST /api/chat with a question; asserts the answer is an event stream. */
export async function postChat(url: string, message: string): Promise<Response> {
  const response = await fetch(`${url}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message }),
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
  return response;
}

/** The `data:` events of an SSE body, read the way the book's client reads them. */
export async function readEvents(response: Response): Promise<ChatEvent[]> {
  const text = await response.text();
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice("data: ".length)) as ChatEvent);
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
