import type { AgentProfile, AgentTool, AssignedTask, MemoryNote, PreviousTask, ProfileMcpServers, TaskOptions } from "@deskfleet/protocol";
import { skillMentions } from "@deskfleet/protocol";
import { getAgent } from "../../db/agents.ts";
import { skillsByName } from "../../db/skills.ts";
import { previousTaskOn, toTask } from "../../db/tasks.ts";
import { lastScreenshotKey } from "../../db/task-screenshots.ts";
import { markUsed } from "../../db/memories.ts";
import { recallForTask } from "../memory/recall.ts";
import { userProfileText } from "./user-profile.ts";
import { toolsAtStart } from "./task-settings.ts";

/**
 * What a task carries to its host besides its prompt, resolved by the control
 * plane when the task is first assigned, so the host needs no round trip: its
 * agent's instructions and skills (then those its prompt names with
 * `@skill:`), the user profile, the tools it may use, the memories that fit
 * its prompt, and with `continueFrom: "last"` the previous task on the same
 * desktop. TaskDO keeps it, so a follow-up or a reassignment starts from the
 * same profile (the same cached prompt prefix).
 */
export type AssignmentSnapshot = {
  profile: AgentProfile;
  tools?: AgentTool[];
  /** The agent's MCP servers as declared (vault references, never values); absent when it has none. */
  mcpServers?: ProfileMcpServers;
  memories: MemoryNote[];
  /** The previous task, without its screenshot's bytes (read from R2 each time the task is sent). */
  previous: (Omit<PreviousTask, "screenshot"> & { screenshotKey: string | null }) | null;
};

export type TaskToAssign = { id: string; prompt: string; agent: string | null; options: TaskOptions; desktopId: string };

/** The largest screenshot carried in `assign` (bytes of PNG). Larger ones are left out, the summary still goes. */
const MAX_CARRIED_SCREENSHOT = 2 * 1024 * 1024;

export async function resolveAssignment(env: Env, t: TaskToAssign): Promise<{ ok: AssignmentSnapshot } | { error: { code: string; message: string } }> {
  const agent = t.agent ? await getAgent(env.DB, t.agent) : null;
  if (t.agent && !agent) return { error: { code: "agent_deleted", message: `agent \`${t.agent}\` was deleted after this task was created; run it again with another agent or none` } };

  const names = [...new Set([...(agent?.skills ?? []), ...skillMentions(t.prompt)])];
  const rows = await skillsByName(env.DB, names);
  // In the agent's order, then the prompt's; a skill deleted since is left out.
  const skills = names.flatMap((n) => rows.filter((r) => r.name === n).map((r) => ({ name: r.name, description: r.description, body: r.body })));
  const profile: AgentProfile = {
    agent: agent ? { name: agent.name, instructions: agent.instructions } : null,
    skills,
    userProfile: await userProfileText(env),
  };
  const tools = toolsAtStart(t.options.tools, agent?.tools ?? null);
  const memories = await recallForTask(env, t.prompt, t.agent);
  await markUsed(env.DB, memories.map((m) => m.id), Date.now());
  const previous = t.options.continueFrom === "last" ? await previousOf(env, t) : null;
  const mcpServers = agent && Object.keys(agent.mcpServers).length > 0 ? agent.mcpServers : null;
  return { ok: { profile, ...(tools ? { tools } : {}), ...(mcpServers ? { mcpServers } : {}), memories, previous } };
}

async function previousOf(env: Env, t: TaskToAssign): Promise<AssignmentSnapshot["previous"]> {
  const row = await previousTaskOn(env.DB, t.desktopId, t.id);
  if (!row) return null;
  const p = toTask(row);
  return {
    taskId: p.id,
    prompt: cut(p.prompt, 2_000),
    status: p.status,
    result: p.result === null ? null : cut(p.result, 4_000),
    error: p.error,
    finishedAt: p.finishedAt,
    screenshotKey: await lastScreenshotKey(env.DB, p.id),
  };
}

/** The assignment's extras as the host receives them; the previous task's screenshot is read now (left out if it cannot be). */
export async function assignedExtras(env: Env, s: AssignmentSnapshot): Promise<Pick<AssignedTask, "profile" | "tools" | "briefing" | "mcpServers">> {
  let previous: PreviousTask | null = null;
  if (s.previous) {
    const { screenshotKey, ...summary } = s.previous;
    previous = { ...summary, screenshot: screenshotKey ? await carriedScreenshot(env, screenshotKey) : null };
  }
  return { profile: s.profile, ...(s.tools ? { tools: s.tools } : {}), ...(s.mcpServers ? { mcpServers: s.mcpServers } : {}), briefing: { memories: s.memories, previous } };
}

async function carriedScreenshot(env: Env, key: string): Promise<PreviousTask["screenshot"]> {
  try {
    const obj = await env.SCREENSHOTS.get(key);
    if (!obj || obj.size > MAX_CARRIED_SCREENSHOT) return null;
    const png = new Uint8Array(await obj.arrayBuffer());
    if (png.byteLength < 24) return null;
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    return { png: base64(png), width: view.getUint32(16), height: view.getUint32(20) };
  } catch (err) {
    console.error("reading the previous task's screenshot failed", key, err instanceof Error ? err.message : String(err));
    return null;
  }
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

const cut = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
