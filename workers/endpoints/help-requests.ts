import { OpenAPIHono, z } from "@hono/zod-openapi";
import { HelpRequest, ListHelpQuery, RespondHelpBody } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { conflictResponse, jsonBody, jsonContent, secureRoute } from "../http/route.ts";
import { validationHook } from "../http/errors.ts";
import { resolveHelpRequest } from "../../domain/tasks/help-requests.ts";
import { getHelpRequest, listHelpRequests, toHelpRequest } from "../../db/help-requests.ts";
import { ownOnlyOwner } from "../../domain/access/own-only.ts";
import { notFound } from "../../domain/api-error.ts";
import { visibleTask } from "../http/visible.ts";
import type { Identity } from "../auth/identity.ts";
import { helpRequestForViewer, readsAnswers } from "../../domain/tasks/redact.ts";

const HelpParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, { message: "not a help request id" }) });
/** An own-only operator answers only their own tasks' questions; another's 404 like a missing one. */
async function visibleHelpRequest(env: Env, identity: Identity, id: string): Promise<void> {
  if (ownOnlyOwner(env, identity) === null) return;
  const row = await getHelpRequest(env.DB, id);
  if (!row) return; // resolveHelpRequest answers the 404
  try {
    await visibleTask(env, identity, row.taskId);
  } catch {
    throw notFound("help request", id);
  }
}

const channelOf = (i: Identity): "dashboard" | "api" => (i.kind === "session" ? "dashboard" : "api");

export const helpRequests = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/help-requests",
      summary: "Questions agents asked people, newest first (answers only for operators and admins)",
      request: { query: ListHelpQuery },
      responses: { 200: jsonContent(z.object({ items: z.array(HelpRequest) }), "Help requests") },
    }),
    async (c) => {
      const items = (await listHelpRequests(c.env.DB, { ...c.req.valid("query"), owner: ownOnlyOwner(c.env, c.var.identity) })).map(toHelpRequest);
      return c.json({ items: readsAnswers(c.var.identity.role) ? items : items.map(helpRequestForViewer) }, 200);
    },
  )
  .openapi(
    secureRoute("operator", {
      method: "post",
      path: "/api/help-requests/{id}/respond",
      summary: "Answer a help request; the first answer from any channel wins",
      request: { params: HelpParam, body: jsonBody(RespondHelpBody) },
      responses: { 200: jsonContent(HelpRequest, "Answered"), ...conflictResponse("Already answered, dismissed or timed out") },
    }),
    async (c) => {
      const { answer } = c.req.valid("json");
      const identity = c.var.identity;
      await visibleHelpRequest(c.env, identity, c.req.valid("param").id);
      return c.json(await resolveHelpRequest(c.env, c.req.valid("param").id, { answer, by: identity.name, via: channelOf(identity) }), 200);
    },
  )
  .openapi(
    secureRoute("operator", {
      method: "post",
      path: "/api/help-requests/{id}/dismiss",
      summary: "Dismiss a help request; the agent proceeds with its best judgment",
      request: { params: HelpParam },
      responses: { 200: jsonContent(HelpRequest, "Dismissed"), ...conflictResponse("Already resolved") },
    }),
    async (c) => {
      const identity = c.var.identity;
      await visibleHelpRequest(c.env, identity, c.req.valid("param").id);
      return c.json(await resolveHelpRequest(c.env, c.req.valid("param").id, { answer: null, dismiss: true, by: identity.name, via: channelOf(identity) }), 200);
    },
  );
