import { OpenAPIHono, z } from "@hono/zod-openapi";
import { Agent, AgentName, AgentPreview, AgentPreviewBody, CreateAgentBody, UpdateAgentBody } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { conflictResponse, jsonBody, jsonContent, secureRoute } from "../http/route.ts";
import { validationHook } from "../http/errors.ts";
import { listAgents, toAgent } from "../../db/agents.ts";
import { createAgent, deleteAgent, requireAgent, updateAgent } from "../../domain/agents/agent-service.ts";
import { previewSystemPrompt } from "../../domain/agents/prompt-preview.ts";

const AgentParam = z.object({ name: AgentName });

/** Agent profiles: admins write them, operators (who run tasks with them) read them. */
export const agents = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("operator", {
      method: "get",
      path: "/api/agents",
      summary: "List agent profiles by name",
      responses: { 200: jsonContent(z.object({ items: z.array(Agent) }), "Every agent") },
    }),
    async (c) => c.json({ items: (await listAgents(c.env.DB)).map(toAgent) }, 200),
  )
  .openapi(
    secureRoute("admin", {
      method: "post",
      path: "/api/agents",
      summary: "Create an agent: a name people write after @, its instructions, the host tools it may use, its skills and limits",
      request: { body: jsonBody(CreateAgentBody) },
      responses: { 201: jsonContent(Agent, "The new agent"), ...conflictResponse("An agent of that name exists") },
    }),
    async (c) => c.json(toAgent(await createAgent(c.env, c.req.valid("json"), c.var.identity.id)), 201),
  )
  .openapi(
    secureRoute("operator", {
      method: "post",
      path: "/api/agents/preview",
      summary: "The system prompt a task of this (draft) agent would get, and its size in tokens",
      request: { body: jsonBody(AgentPreviewBody) },
      responses: { 200: jsonContent(AgentPreview, "The system prompt and its token count") },
    }),
    async (c) => c.json(await previewSystemPrompt(c.env, c.req.valid("json")), 200),
  )
  .openapi(
    secureRoute("operator", {
      method: "get",
      path: "/api/agents/{name}",
      summary: "One agent",
      request: { params: AgentParam },
      responses: { 200: jsonContent(Agent, "The agent") },
    }),
    async (c) => c.json(toAgent(await requireAgent(c.env, c.req.valid("param").name)), 200),
  )
  .openapi(
    secureRoute("admin", {
      method: "patch",
      path: "/api/agents/{name}",
      summary: "Change an agent; its queued tasks start with the new profile, running ones keep the one they started with",
      request: { params: AgentParam, body: jsonBody(UpdateAgentBody) },
      responses: { 200: jsonContent(Agent, "The updated agent") },
    }),
    async (c) => c.json(toAgent(await updateAgent(c.env, c.req.valid("param").name, c.req.valid("json"), c.var.identity.id)), 200),
  )
  .openapi(
    secureRoute("admin", {
      method: "delete",
      path: "/api/agents/{name}",
      summary: "Delete an agent no schedule uses; its finished tasks keep its name",
      request: { params: AgentParam },
      responses: { 200: jsonContent(z.object({ deleted: z.literal(true), name: z.string() }), "Deleted"), ...conflictResponse("A schedule uses it") },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      await deleteAgent(c.env, name, c.var.identity.id);
      return c.json({ deleted: true as const, name }, 200);
    },
  );
