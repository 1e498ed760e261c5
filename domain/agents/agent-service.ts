import type { CreateAgentBody, UpdateAgentBody } from "@deskfleet/protocol";
import { AGENT_TOOLS } from "@deskfleet/protocol";
import { conflict, notFound, unprocessable } from "../api-error.ts";
import { audit } from "../../db/audit.ts";
import { deleteAgent as deleteAgentRow, getAgent, insertAgent, listAgents, updateAgent as updateAgentRow, type AgentPatch, type AgentRow } from "../../db/agents.ts";
import { skillNames } from "../../db/skills.ts";
import { getDesktop } from "../../db/desktops.ts";
import { schedulesOfAgent } from "../../db/schedules.ts";
import { checkMcpSecrets } from "../vault/shell-env.ts";

/**
 * Agent profiles as services, shared by the API and the supervisor: the same
 * checks (skills and desktops that exist, one agent per name), audit and 4xx
 * errors whichever channel asks.
 */

export async function requireAgent(env: Env, name: string): Promise<AgentRow> {
  const row = await getAgent(env.DB, name);
  if (!row) throw notFound("agent", name);
  return row;
}

/** An agent a task or schedule names, or 422 with the names that exist. */
export async function agentForTask(env: Env, name: string): Promise<AgentRow> {
  const row = await getAgent(env.DB, name);
  if (row) return row;
  const names = (await listAgents(env.DB)).map((a) => a.name);
  throw unprocessable(
    "unknown_agent",
    names.length ? `there is no agent \`${name}\`; agents: ${names.join(", ")}` : `there is no agent \`${name}\`; there are no agents yet — add one with POST /api/agents`,
  );
}

async function checkSkills(env: Env, wanted: readonly string[] | undefined): Promise<void> {
  if (!wanted?.length) return;
  const known = await skillNames(env.DB);
  const missing = [...new Set(wanted)].filter((s) => !known.includes(s));
  if (missing.length === 0) return;
  throw unprocessable(
    "unknown_skill",
    `no skill named ${missing.map((s) => `\`${s}\``).join(", ")}; ${known.length ? `skills: ${known.join(", ")}` : "there are no skills yet — add one with POST /api/skills"}`,
  );
}

async function checkDesktop(env: Env, desktopId: string | null | undefined): Promise<void> {
  if (desktopId && !(await getDesktop(env.DB, desktopId))) {
    throw unprocessable("unknown_desktop", `desktop \`${desktopId}\` does not exist; list desktops with GET /api/desktops or add it first`);
  }
}

export async function createAgent(env: Env, b: CreateAgentBody, actor: string): Promise<AgentRow> {
  await checkSkills(env, b.skills);
  await checkDesktop(env, b.desktopId);
  await checkMcpSecrets(env, b.mcpServers);
  const now = Date.now();
  const row = await insertAgent(env.DB, {
    name: b.name,
    description: b.description,
    instructions: b.instructions ?? "",
    model: b.model ?? null,
    tools: [...new Set(b.tools ?? AGENT_TOOLS)],
    skills: [...new Set(b.skills ?? [])],
    targetDesktopId: b.desktopId ?? null,
    targetLabels: b.desktopId ? [] : (b.labels ?? []),
    maxSteps: b.maxSteps ?? null,
    budgetUsd: b.budgetUsd ?? null,
    selfHealing: b.selfHealing ?? null,
    continueFrom: b.continueFrom ?? "none",
    mcpServers: b.mcpServers ?? {},
    createdBy: actor,
    createdAt: now,
    updatedAt: now,
  });
  if (!row) throw conflict("agent_exists", `an agent named \`${b.name}\` already exists; pick another name or change it with PATCH /api/agents/${b.name}`);
  await audit(env.DB, { actor, action: "agent.create", targetType: "agent", targetId: b.name, details: { tools: row.tools, skills: row.skills, mcpServers: Object.keys(row.mcpServers) } });
  return row;
}

export async function updateAgent(env: Env, name: string, b: UpdateAgentBody, actor: string): Promise<AgentRow> {
  await requireAgent(env, name);
  await checkSkills(env, b.skills);
  await checkDesktop(env, b.desktopId);
  await checkMcpSecrets(env, b.mcpServers);
  const patch: AgentPatch = { updatedAt: Date.now() };
  if (b.description !== undefined) patch.description = b.description;
  if (b.instructions !== undefined) patch.instructions = b.instructions;
  if (b.model !== undefined) patch.model = b.model;
  if (b.tools !== undefined) patch.tools = [...new Set(b.tools)];
  if (b.skills !== undefined) patch.skills = [...new Set(b.skills)];
  if (b.maxSteps !== undefined) patch.maxSteps = b.maxSteps;
  if (b.budgetUsd !== undefined) patch.budgetUsd = b.budgetUsd;
  if (b.selfHealing !== undefined) patch.selfHealing = b.selfHealing;
  if (b.continueFrom !== undefined) patch.continueFrom = b.continueFrom;
  if (b.mcpServers !== undefined) patch.mcpServers = b.mcpServers;
  if (b.labels !== undefined) Object.assign(patch, { targetLabels: b.labels, targetDesktopId: null });
  if (b.desktopId !== undefined) Object.assign(patch, { targetDesktopId: b.desktopId, ...(b.desktopId ? { targetLabels: [] } : {}) });
  const row = await updateAgentRow(env.DB, name, patch);
  if (!row) throw notFound("agent", name);
  await audit(env.DB, { actor, action: "agent.update", targetType: "agent", targetId: name, details: { fields: Object.keys(b) } });
  return row;
}

/** Deletes an agent no schedule names; its queued tasks fail when they would start, its finished ones keep its name. */
export async function deleteAgent(env: Env, name: string, actor: string): Promise<void> {
  await requireAgent(env, name);
  const schedules = await schedulesOfAgent(env.DB, name);
  if (schedules.length > 0) {
    throw conflict("agent_in_use", `agent \`${name}\` runs schedule${schedules.length > 1 ? "s" : ""} ${schedules.map((s) => `“${s.name}” (${s.id})`).join(", ")}; give them another agent (or none) first`);
  }
  if (!(await deleteAgentRow(env.DB, name))) throw notFound("agent", name);
  await audit(env.DB, { actor, action: "agent.delete", targetType: "agent", targetId: name });
}
