import { Router } from "express";
import { z } from "zod";
import { AppError } from "../errors.ts";
import type { ConversationStore } from "../db/conversation-store.ts";
import type { FeedbackStore } from "../db/feedback-store.ts";
import type { Readiness } from "../health/readiness.ts";

const conversationId = z.uuid();

/** GET /api/conversation/:id: the whole conversation, oldest message first, each answer with its reader's vote. */
export function conversationsRouter(conversations: ConversationStore, feedback: FeedbackStore, readiness: Readiness): Router {
  const router = Router();
  router.get("/api/conversation/:id", async function conversationHandler(req, res) {
    // A reader's conversation: no shared cache may keep it, and no browser cache either.
    res.setHeader("Cache-Control", "no-store");
    const id = conversationId.safeParse(req.params.id);
    if (!id.success) throw new AppError("invalid_request", "The conversation id must be a UUID.");
    readiness.assertReady();
    const [messages, votes] = await Promise.all([conversations.messages(id.data), feedback.ofConversation(id.data)]);
    if (messages === null) throw new AppError("not_found", "No conversation has this id.");
    res.json({
      conversation_id: id.data,
      messages: messages.map((m) => (m.role === "assistant" ? { ...m, feedback: votes.get(m.id) ?? null } : m)),
    });
  });
  return router;
}
