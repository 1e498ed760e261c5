import { asc, eq, sql } from "drizzle-orm";
import type { Agent, AgentTool, ContinueFrom } from "@deskfleet/protocol";
import { database } from "./client.ts";
import { agents } from "./schema.ts";

export type AgentRow = typeof agents.$inferSelect;
export type AgentInsert = typeof agents.$inferInsert;
export type AgentPatch = Partial<Omit<AgentInsert, "name" | "createdAt" | "createdBy">>;

export function toAgent(row: AgentRow): Agent {
  return {
    name: row.name,
    description: row.description,
    instructions: row.instructions,
    model: row.model,
    tools: row.tools as AgentTool[],
    skills: row.skills,
    target: { desktopId: row.targetDesktopId, labels: row.targetLabels },
    maxSteps: row.maxSteps,
    budgetUsd: row.budgetUsd,
    selfHealing: row.selfHealing,
    continueFrom: row.continueFrom as ContinueFrom,
    mcpServers: row.mcpServers,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export async function listAgents(d1: D1Database): Promise<AgentRow[]> {
  return database(d1).select().from(agents).orderBy(asc(agents.name)).limit(500);
}

export async function getAgent(d1: D1Database, name: string): Promise<AgentRow | null> {
  const rows = await database(d1).select().from(agents).where(eq(agents.name, name)).limit(1);
  return rows[0] ?? null;
}

/** Null when an agent of that name exists already (the name is the primary key: one atomic check). */
export async function insertAgent(d1: D1Database, row: AgentInsert): Promise<AgentRow | null> {
  const rows = await database(d1).insert(agents).values(row).onConflictDoNothing({ target: agents.name }).returning();
  return rows[0] ?? null;
}

export async function updateAgent(d1: D1Database, name: string, patch: AgentPatch): Promise<AgentRow | null> {
  const rows = await database(d1).update(agents).set(patch).where(eq(agents.name, name)).returning();
  return rows[0] ?? null;
}

export async function deleteAgent(d1: D1Database, name: string): Promise<boolean> {
  const rows = await database(d1).delete(agents).where(eq(agents.name, name)).returning({ name: agents.name });
  return rows.length > 0;
}

/** Agents that carry a skill. */
export async function agentsWithSkill(d1: D1Database, skill: string): Promise<string[]> {
  const rows = await database(d1)
    .select({ name: agents.name })
    .from(agents)
    .where(sql`EXISTS (SELECT 1 FROM json_each(${agents.skills}) WHERE json_each.value = ${skill})`)
    .orderBy(asc(agents.name));
  return rows.map((r) => r.name);
}
