import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { leansOnHistory, ruleQuery } from "../src/chat/search-query.ts";
import { createPgliteDatabase } from "../src/db/pglite.ts";
import { chat, recordingGenerator, startTestApp } from "./support/harness.ts";

const SAMPLE_DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../sample-docs");

describe("the follow-up rule", () => {
  it("tells questions that lean on the conversation from those that stand alone", () => {
    for (const q of ["How do I switch to it?", "Do they overlap?", "And what if it fails halfway through?", "What about Qdrant?", "Why?", "Which secrets does this need?"]) {
      assert.equal(leansOnHistory(q), true, q);
    }
    for (const q of ["How do I ingest my book?", "What does RETRIEVAL_TOP_K do?", "Which variables must be set in production?"]) {
      assert.equal(leansOnHistory(q), false, q);
    }
  });

  it("searches a follow-up with the earlier questions back to one that stood alone, never the answers", () => {
    const history = [
      { role: "user" as const, content: "What is pgvector?" },
      { role: "assistant" as const, content: "A Postgres extension [1]." },
      { role: "user" as const, content: "Is it fast?" },
      { role: "assistant" as const, content: "It has an HNSW index [1]." },
    ];
    assert.equal(ruleQuery("How do I switch to it?", history), "What is pgvector?\nIs it fast?\nHow do I switch to it?");
    assert.equal(ruleQuery("How do I switch to it?", history.slice(0, 2)), "What is pgvector?\nHow do I switch to it?");
    assert.equal(ruleQuery("What does RETRIEVAL_TOP_K do?", history), "What does RETRIEVAL_TOP_K do?");
    assert.equal(ruleQuery("And then?", []), "And then?");
  });
});

describe("a follow-up through the chat API", () => {
  it("retrieves with the standalone query and asks the model the reader's own words", async () => {
    const { generator, asked } = recordingGenerator();
    const app = await startTestApp({ env: { SAMPLE_DOCS_DIR: SAMPLE_DOCS }, overrides: { db: await createPgliteDatabase(undefined), generator } });
    try {
      const first = await chat(app.url, { message: "How big are the chunks?" });
      const conversation_id = first.events[0]!.conversation_id as string;
      // Alone, "Do they overlap?" finds the troubleshooting page first.
      const second = await chat(app.url, { message: "Do they overlap?", conversation_id });
      assert.equal(asked[1]!.question, "Do they overlap?");
      assert.equal(asked[1]!.history[0]!.content, "How big are the chunks?");
      const sources = second.events.at(-1)!.sources as Array<{ file: string }>;
      assert.equal(sources[0]!.file, "docs/04-operations/01-ingesting-a-book.md");
    } finally {
      await app.close();
    }
  });
});
