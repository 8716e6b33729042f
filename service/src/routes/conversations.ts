import { Router } from "express";
import { z } from "zod";
import { AppError } from "../errors.ts";
import type { ConversationStore } from "../db/conversation-store.ts";
import type { Readiness } from "../health/readiness.ts";

const conversationId = z.uuid();

/** GET /api/conversation/:id: the whole conversation, oldest message first. */
export function conversationsRouter(conversations: ConversationStore, readiness: Readiness): Router {
  const router = Router();
  router.get("/api/conversation/:id", async function conversationHandler(req, res) {
    const id = conversationId.safeParse(req.params.id);
    if (!id.success) throw new AppError("invalid_request", "The conversation id must be a UUID.");
    readiness.assertReady();
    const messages = await conversations.messages(id.data);
    if (messages === null) throw new AppError("not_found", "No conversation has this id.");
    res.json({ conversation_id: id.data, messages });
  });
  return router;
}
