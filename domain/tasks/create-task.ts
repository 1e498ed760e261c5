import type { Task, TaskOptions, TaskSource } from "@deskfleet/protocol";
import { skillMentions } from "@deskfleet/protocol";
import { ApiError, unprocessable } from "../api-error.ts";
import { newTaskId } from "../ids.ts";
import { getDesktop } from "../../db/desktops.ts";
import { listAgents, type AgentRow } from "../../db/agents.ts";
import { skillNames } from "../../db/skills.ts";
import { taskObject } from "../addresses.ts";
import { agentForTask } from "../agents/agent-service.ts";
import { chooseAgent } from "../agents/agent-choice.ts";
import { settleTaskSettings } from "../agents/task-settings.ts";
import { checkNamedSecrets } from "../vault/task-secrets.ts";
import { checkShellEnv } from "../vault/shell-env.ts";

export type CreateTaskInput = {
  prompt: string;
  desktopId?: string | null;
  labels?: string[];
  priority?: number;
  options: TaskOptions;
  /** The agent that runs it, `auto` to pick one by the agents' descriptions, or none. */
  agent?: string | null;
  source: TaskSource;
  sourceMeta?: Record<string, unknown> | null;
  scheduleId?: string | null;
  originalTaskId?: string | null;
  retryNumber?: number;
};

const AUTOMATIC = new Set<TaskSource>(["scheduler", "healer", "optimizer"]);

/**
 * Creates a task through its TaskDO (the only writer of task state), from any
 * channel. With an agent, the agent's settings are the task's defaults, which
 * it may narrow but not widen; `@skill:name` in the prompt must name skills
 * that exist, and `{{secret:name}}` secrets the vault holds. Any of that wrong
 * is a 422 that changes nothing.
 */
export async function createTask(env: Env, input: CreateTaskInput): Promise<Task> {
  const { agent, choice } = await agentOf(env, input.agent ?? null, input.prompt);
  const settled = settleTaskSettings(agent, { desktopId: input.desktopId ?? null, labels: input.desktopId ? [] : (input.labels ?? []), options: input.options });
  if (!settled.ok) throw unprocessable(settled.code, settled.message);
  await checkSkillMentions(env, input.prompt);
  if (settled.desktopId && !(await getDesktop(env.DB, settled.desktopId))) {
    throw new ApiError(422, "unknown_desktop", `desktop \`${settled.desktopId}\` does not exist; list desktops with GET /api/desktops or add it first`);
  }
  // Runs a schedule, a healer or an optimizer starts were checked when their prompt was saved; a secret deleted since fails at typing time.
  if (!AUTOMATIC.has(input.source)) await checkNamedSecrets(env.DB, input.prompt, input.options);
  // Every run is checked, a schedule's too: a secret re-scoped since the schedule was saved is refused here, not in the shell.
  await checkShellEnv(env, { env: settled.options.env, tools: settled.options.tools, desktopId: settled.desktopId, labels: settled.desktopId ? [] : settled.labels, scheduleId: input.scheduleId ?? null });
  const id = newTaskId();
  return taskObject(env, id).create({
    id,
    prompt: input.prompt,
    agent: agent?.name ?? null,
    targetDesktopId: settled.desktopId,
    targetLabels: settled.desktopId ? [] : settled.labels,
    source: input.source,
    sourceMeta: choice ? { ...(input.sourceMeta ?? {}), agentChoice: choice } : (input.sourceMeta ?? null),
    scheduleId: input.scheduleId ?? null,
    originalTaskId: input.originalTaskId ?? null,
    retryNumber: input.retryNumber ?? 0,
    priority: input.priority ?? 0,
    options: settled.options,
  });
}

/** The named agent, or for `auto` the one whose description fits the prompt (recorded with the words it matched). */
async function agentOf(env: Env, name: string | null, prompt: string): Promise<{ agent: AgentRow | null; choice: Record<string, unknown> | null }> {
  if (name === null) return { agent: null, choice: null };
  if (name !== "auto") return { agent: await agentForTask(env, name), choice: null };
  const agents = await listAgents(env.DB);
  const picked = chooseAgent(agents, prompt);
  const agent = picked ? (agents.find((a) => a.name === picked.name) ?? null) : null;
  return { agent, choice: { mode: "auto", picked: picked?.name ?? null, matched: picked?.matched ?? [] } };
}

/** Every `@skill:name` in a prompt must name a skill, or the task is refused with the names that exist. */
async function checkSkillMentions(env: Env, prompt: string): Promise<void> {
  const wanted = skillMentions(prompt);
  if (wanted.length === 0) return;
  const known = await skillNames(env.DB);
  const missing = wanted.filter((s) => !known.includes(s));
  if (missing.length === 0) return;
  throw unprocessable(
    "unknown_skill",
    `the prompt names ${missing.map((s) => `@skill:${s}`).join(", ")}, which ${missing.length > 1 ? "do" : "does"} not exist; ${known.length ? `skills: ${known.join(", ")}` : "there are no skills yet — add one with POST /api/skills"}`,
  );
}
