import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Database } from "../../src/db/database.ts";
import { createPgliteDatabase } from "../../src/db/pglite.ts";
import { createPostgresDatabase, type DatabaseTransport } from "../../src/db/postgres.ts";
import { startWsProxy } from "./ws-proxy.ts";

/** The real Postgres server of the test run (.ci/run starts Debian's postgresql and sets it). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
export const skipWithoutPostgres = TEST_DATABASE_URL ? false : "TEST_DATABASE_URL is not set: no Postgres server for this test";

export interface TestDatabase {
  db: Database;
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database on the test server, dropped afterwards; with `websocket`, reached
 * as a Space reaches Neon: Neon's serverless driver over a WebSocket, here through a local
 * proxy speaking Neon's wsproxy protocol (plain ws:, and no pipelined password: the test
 * server authenticates with SCRAM).
 */
export async function freshPostgres(transport: DatabaseTransport = "tcp"): Promise<TestDatabase> {
  if (!TEST_DATABASE_URL) throw new Error("TEST_DATABASE_URL is not set");
  const name = `test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const proxy = transport === "websocket" ? await startWsProxy() : undefined;
  const db = createPostgresDatabase({
    connectionString: url.toString(),
    transport,
    ...(proxy ? { websocket: { wsProxy: proxy.wsProxy, useSecureWebSocket: false, pipelineConnect: false } } : {}),
  });
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close().catch(() => undefined);
      await proxy?.close();
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** The same, over Neon's WebSocket transport. */
export const freshPostgresOverWebSocket = (): Promise<TestDatabase> => freshPostgres("websocket");

/** An in-memory PGlite database with pgvector. */
export async function freshPglite(): Promise<TestDatabase> {
  const db = await createPgliteDatabase(undefined);
  return { db, url: "pglite://memory", drop: () => db.close() };
}

/** The tables exactly as the previous backend's SQLAlchemy create_all made them. */
export const PREVIOUS_BACKEND_DDL = `
  CREATE TABLE conversations (
    id UUID NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE DEFAULT now() NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE DEFAULT now() NOT NULL,
    PRIMARY KEY (id)
  );
  CREATE TABLE messages (
    id UUID NOT NULL,
    conversation_id UUID NOT NULL,
    role VARCHAR(20) NOT NULL,
    content TEXT NOT NULL,
    sources JSONB,
    created_at TIMESTAMP WITHOUT TIME ZONE DEFAULT now() NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(conversation_id) REFERENCES conversations (id) ON DELETE CASCADE
  );
`;
