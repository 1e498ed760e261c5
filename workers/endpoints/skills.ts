import { OpenAPIHono, z } from "@hono/zod-openapi";
import { CreateSkillBody, Skill, SkillName, SkillVersion, UpdateSkillBody } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { conflictResponse, jsonBody, jsonContent, secureRoute } from "../http/route.ts";
import { validationHook } from "../http/errors.ts";
import { listSkills, listSkillVersions, toSkill, toSkillVersion, type SkillRow } from "../../db/skills.ts";
import { agentsWithSkill, listAgents } from "../../db/agents.ts";
import { createSkill, deleteSkill, requireSkill, rollbackSkill, updateSkill } from "../../domain/agents/skill-service.ts";

const SkillParam = z.object({ name: SkillName });
const VersionParam = z.object({
  name: SkillName,
  version: z.coerce.number().int().positive({ message: "a skill version is a positive whole number (1, 2, …)" }),
});

const withUsers = async (env: Env, row: SkillRow) => toSkill(row, await agentsWithSkill(env.DB, row.name));

/** Skills: admins write them (they shape every prompt they are in), operators read them. Versioned like schedule prompts. */
export const skills = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("operator", {
      method: "get",
      path: "/api/skills",
      summary: "List skills by name, with the agents that carry each",
      responses: { 200: jsonContent(z.object({ items: z.array(Skill) }), "Every skill") },
    }),
    async (c) => {
      const [rows, agents] = await Promise.all([listSkills(c.env.DB), listAgents(c.env.DB)]);
      return c.json({ items: rows.map((r) => toSkill(r, agents.filter((a) => a.skills.includes(r.name)).map((a) => a.name))) }, 200);
    },
  )
  .openapi(
    secureRoute("admin", {
      method: "post",
      path: "/api/skills",
      summary: "Create a skill: markdown know-how for agents (attach it to agents, or to one task with @skill:name in its prompt)",
      request: { body: jsonBody(CreateSkillBody) },
      responses: { 201: jsonContent(Skill, "The new skill, version 1"), ...conflictResponse("A skill of that name exists") },
    }),
    async (c) => c.json(toSkill(await createSkill(c.env, c.req.valid("json"), c.var.identity.id), []), 201),
  )
  .openapi(
    secureRoute("operator", {
      method: "get",
      path: "/api/skills/{name}",
      summary: "One skill",
      request: { params: SkillParam },
      responses: { 200: jsonContent(Skill, "The skill") },
    }),
    async (c) => c.json(await withUsers(c.env, await requireSkill(c.env, c.req.valid("param").name)), 200),
  )
  .openapi(
    secureRoute("admin", {
      method: "patch",
      path: "/api/skills/{name}",
      summary: "Change a skill's description or body: a new version (with the optional `reason`)",
      request: { params: SkillParam, body: jsonBody(UpdateSkillBody) },
      responses: { 200: jsonContent(Skill, "The skill, now at its new version"), ...conflictResponse("Changed concurrently") },
    }),
    async (c) => c.json(await withUsers(c.env, await updateSkill(c.env, c.req.valid("param").name, c.req.valid("json"), c.var.identity.id)), 200),
  )
  .openapi(
    secureRoute("admin", {
      method: "delete",
      path: "/api/skills/{name}",
      summary: "Delete a skill no agent carries, with its history",
      request: { params: SkillParam },
      responses: { 200: jsonContent(z.object({ deleted: z.literal(true), name: z.string() }), "Deleted"), ...conflictResponse("Agents carry it") },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      await deleteSkill(c.env, name, c.var.identity.id);
      return c.json({ deleted: true as const, name }, 200);
    },
  )
  .openapi(
    secureRoute("operator", {
      method: "get",
      path: "/api/skills/{name}/versions",
      summary: "A skill's versions, newest first, with who changed it and why",
      request: { params: SkillParam },
      responses: { 200: jsonContent(z.object({ items: z.array(SkillVersion) }), "Versions") },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const row = await requireSkill(c.env, name);
      return c.json({ items: (await listSkillVersions(c.env.DB, name)).map((v) => toSkillVersion(v, row.version)) }, 200);
    },
  )
  .openapi(
    secureRoute("admin", {
      method: "post",
      path: "/api/skills/{name}/versions/{version}/rollback",
      summary: "Make an earlier version current again, as a new version",
      request: { params: VersionParam },
      responses: { 200: jsonContent(Skill, "The skill with the restored text"), ...conflictResponse("Already current, or changed concurrently") },
    }),
    async (c) => {
      const { name, version } = c.req.valid("param");
      return c.json(await withUsers(c.env, await rollbackSkill(c.env, name, version, c.var.identity.id)), 200);
    },
  );
