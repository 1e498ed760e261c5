import type { CreateSkillBody, UpdateSkillBody } from "@deskfleet/protocol";
import { conflict, notFound } from "../api-error.ts";
import { newId } from "../ids.ts";
import { audit } from "../../db/audit.ts";
import { agentsWithSkill } from "../../db/agents.ts";
import { deleteSkill as deleteSkillRow, getSkill, getSkillVersion, insertSkill, updateSkill as updateSkillRow, type SkillChange, type SkillRow } from "../../db/skills.ts";

/**
 * Skills as services: versioned like schedule prompts (who changed what and
 * why, every version kept, rollback as a new version), one skill per name.
 */

export async function requireSkill(env: Env, name: string): Promise<SkillRow> {
  const row = await getSkill(env.DB, name);
  if (!row) throw notFound("skill", name);
  return row;
}

const change = (description: string, body: string, author: string, reason: string | null, at: number): SkillChange => ({ id: newId("skv", at), description, body, author, reason, at });

async function lostRace(env: Env, name: string): Promise<never> {
  if (!(await getSkill(env.DB, name))) throw notFound("skill", name);
  throw conflict("skill_changed", `skill \`${name}\` was changed by someone else meanwhile; reload it and retry`);
}

export async function createSkill(env: Env, b: CreateSkillBody, actor: string): Promise<SkillRow> {
  const row = await insertSkill(env.DB, b.name, change(b.description, b.body, actor, b.reason ?? null, Date.now()));
  if (!row) throw conflict("skill_exists", `a skill named \`${b.name}\` already exists; change it with PATCH /api/skills/${b.name} (that keeps its history)`);
  await audit(env.DB, { actor, action: "skill.create", targetType: "skill", targetId: b.name });
  return row;
}

/** A new version when description or body differ; the skill as it is otherwise. */
export async function updateSkill(env: Env, name: string, b: UpdateSkillBody, actor: string): Promise<SkillRow> {
  const row = await requireSkill(env, name);
  const description = b.description ?? row.description;
  const body = b.body ?? row.body;
  if (description === row.description && body === row.body) return row;
  const updated = (await updateSkillRow(env.DB, name, row.version, change(description, body, actor, b.reason ?? null, Date.now()))) ?? (await lostRace(env, name));
  await audit(env.DB, { actor, action: "skill.update", targetType: "skill", targetId: name, details: { version: updated.version } });
  return updated;
}

/** Makes an earlier version current again, as a new version. */
export async function rollbackSkill(env: Env, name: string, version: number, actor: string): Promise<SkillRow> {
  const row = await requireSkill(env, name);
  const target = await getSkillVersion(env.DB, name, version);
  if (!target) throw notFound("skill version", `${name} v${version}`);
  if (version === row.version) throw conflict("already_current", `v${version} is already the current version of skill \`${name}\``);
  const updated = (await updateSkillRow(env.DB, name, row.version, change(target.description, target.body, actor, `rollback to v${version}`, Date.now()))) ?? (await lostRace(env, name));
  await audit(env.DB, { actor, action: "skill.rollback", targetType: "skill", targetId: name, details: { to: version, version: updated.version } });
  return updated;
}

export async function deleteSkill(env: Env, name: string, actor: string): Promise<void> {
  await requireSkill(env, name);
  const users = await agentsWithSkill(env.DB, name);
  if (users.length > 0) throw conflict("skill_in_use", `skill \`${name}\` is attached to agent${users.length > 1 ? "s" : ""} ${users.join(", ")}; detach it first`);
  if (!(await deleteSkillRow(env.DB, name))) throw notFound("skill", name);
  await audit(env.DB, { actor, action: "skill.delete", targetType: "skill", targetId: name });
}
