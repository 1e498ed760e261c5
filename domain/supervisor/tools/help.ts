import { z } from "zod";
import { HelpRequestStatus, TaskId } from "@deskfleet/protocol";
import { getHelpRequest, listHelpRequests, toHelpRequest } from "../../../db/help-requests.ts";
import { ApiError } from "../../api-error.ts";
import { resolveHelpRequest } from "../../tasks/help-requests.ts";
import { iso, json, tool } from "./tool.ts";

export const helpTools = [
  tool({
    name: "list_help_requests",
    description: "Questions agents asked people (open ones wait for an answer), newest first.",
    input: z.strictObject({ status: HelpRequestStatus.optional().describe("Default: open"), taskId: TaskId.optional(), limit: z.number().int().min(1).max(50).optional() }),
    effect: "read",
    run: async (ctx, f) => {
      const rows = await listHelpRequests(ctx.env.DB, { status: f.status ?? "open", taskId: f.taskId, limit: f.limit ?? 20 });
      return json({
        helpRequests: rows.map(toHelpRequest).map((h) => ({ id: h.id, taskId: h.taskId, desktopId: h.desktopId, question: h.question, options: h.options, secret: h.secret, status: h.status, answer: h.answer, askedAt: iso(h.createdAt), expiresAt: iso(h.expiresAt) })),
      });
    },
  }),
  tool({
    name: "answer_help_request",
    description: "Answer an agent's question; the first answer from any channel wins (a later one is refused with who answered). Only answer what you know or the person told you.",
    input: z.strictObject({ requestId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, { message: "not a help request id" }), answer: z.string().trim().min(1).max(4_000) }),
    effect: { class: "help_answers" },
    run: async (ctx, { requestId, answer }) => {
      // A secret answer must not pass through a conversation that is stored and sent to a model.
      if ((await getHelpRequest(ctx.env.DB, requestId))?.secret) {
        throw new ApiError(409, "secret_question", "this question is secret: a person answers it in the dashboard's help inbox or by replying to it in Telegram, never through this chat");
      }
      const h = await resolveHelpRequest(ctx.env, requestId, { answer, by: ctx.actor, via: "supervisor" });
      return json({ answered: { id: h.id, taskId: h.taskId, status: h.status } });
    },
  }),
];
