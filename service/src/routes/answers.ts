import { Router, type Request } from "express";
import { z } from "zod";
import { AppError } from "../errors.ts";
import { feedbackRequestSchema } from "../chat/feedback-request.ts";
import type { OpenAnswers } from "../chat/open-answers.ts";
import type { ConversationStore } from "../db/conversation-store.ts";
import type { FeedbackStore } from "../db/feedback-store.ts";
import type { Readiness } from "../health/readiness.ts";
import { parseBody } from "../http/validate.ts";

export interface AnswersRouteOptions {
  answers: OpenAnswers;
  conversations: ConversationStore;
  feedback: FeedbackStore;
  readiness: Readiness;
}

const uuid = z.uuid();

function answerIdOf(req: Request): string {
  const id = uuid.safeParse(req.params.answer_id);
  if (!id.success) throw new AppError("invalid_request", "The answer id must be a UUID (the answer_id of the metadata event).");
  return id.data;
}

const NO_ANSWER = "No answer has this id.";

/** A reader's hold on an answer: stop it while it streams, vote on it once it is there. */
export function answersRouter(options: AnswersRouteOptions): Router {
  const { answers, conversations, feedback, readiness } = options;
  const router = Router();

  router.post("/api/answers/:answer_id/stop", async function stopAnswerHandler(req, res) {
    const id = answerIdOf(req);
    res.setHeader("Cache-Control", "no-store");
    // The stream ends with a done event marked stopped; this only says it is on its way.
    if (answers.stop(id)) {
      res.status(202).json({ answer_id: id, stopping: true });
      return;
    }
    readiness.assertReady();
    if (await conversations.isAnswer(id)) throw new AppError("answer_not_streaming", "This answer is not streaming here: it has ended already.");
    throw new AppError("not_found", NO_ANSWER);
  });

  router.put("/api/answers/:answer_id/feedback", async function putFeedbackHandler(req, res) {
    const id = answerIdOf(req);
    const body = parseBody(feedbackRequestSchema, req.body);
    readiness.assertReady();
    const stored = await feedback.put(id, { vote: body.vote, reason: body.reason });
    if (stored === null) throw new AppError("not_found", NO_ANSWER);
    res.setHeader("Cache-Control", "no-store");
    res.json(stored);
  });

  router.delete("/api/answers/:answer_id/feedback", async function deleteFeedbackHandler(req, res) {
    const id = answerIdOf(req);
    readiness.assertReady();
    if (!(await feedback.remove(id))) throw new AppError("not_found", NO_ANSWER);
    res.status(204).end();
  });

  return router;
}
