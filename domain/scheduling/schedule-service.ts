import type { CreateScheduleBody, ScheduledRunMeta, SelfLearningInput, Task, UpdateScheduleBody } from "@deskfleet/protocol";
import { selfLearningMode } from "@deskfleet/protocol";
import { conflict, notFound, unprocessable } from "../api-error.ts";
import { newId } from "../ids.ts";
import { checkTiming, firstRun, timingColumns, timingOf, type Checked, type TimingInput } from "@deskfleet/protocol/timing/schedule-spec";
import { startScheduledRun } from "./start-run.ts";
import {
  deleteSchedule as deleteScheduleRow,
  getSchedule,
  insertSchedule,
  recordManualRunAt,
  updateSchedule as updateScheduleRow,
  type PromptChange,
  type ScheduleRow,
  type SchedulePatch,
} from "../../db/schedules.ts";
import { getDesktop } from "../../db/desktops.ts";
import { audit } from "../../db/audit.ts";
import { agentForTask } from "../agents/agent-service.ts";
import { settleTaskSettings } from "../agents/task-settings.ts";
import { checkNamedSecrets } from "../vault/task-secrets.ts";
import { checkShellEnv } from "../vault/shell-env.ts";

/**
 * Schedule changes as services, shared by the API and the supervisor's tools:
 * the same validation, prompt versioning, audit and 4xx errors whichever
 * channel asks. `actor` is the identity id kept as the prompt version's author.
 */

export async function requireSchedule(env: Env, id: string): Promise<ScheduleRow> {
  const row = await getSchedule(env.DB, id);
  if (!row) throw notFound("schedule", id);
  return row;
}

async function requireDesktop(env: Env, desktopId: string): Promise<void> {
  if (!(await getDesktop(env.DB, desktopId))) {
    throw unprocessable("unknown_desktop", `desktop \`${desktopId}\` does not exist; list desktops with GET /api/desktops or add it first`);
  }
}

function valid<T>(r: Checked<T>): T {
  if (!r.ok) throw unprocessable(r.code, r.message);
  return r.value;
}

/** The run options kept in the `options` column; `null` in a patch removes one. */
function mergeOptions(current: Record<string, unknown>, changes: { model?: string | null; maxSteps?: number | null; budgetUsd?: number | null; replay?: "auto" | "off"; env?: Record<string, string> | null }) {
  const out: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || (k === "env" && v !== undefined && Object.keys(v as object).length === 0)) delete out[k];
    else if (v !== undefined) out[k] = v;
  }
  return out;
}

function timingInputOf(row: ScheduleRow): TimingInput {
  return {
    cron: row.kind === "cron" ? row.cron : undefined,
    intervalMinutes: row.kind === "interval" && row.intervalMs !== null ? row.intervalMs / 60_000 : undefined,
    runAt: row.kind === "once" ? row.runAt : undefined,
  };
}

/** A schedule's agent must exist, and the schedule's limits must fit within the agent's (a run may narrow them, never widen). */
async function checkAgentFits(env: Env, agent: string | null, limits: { maxSteps?: number | undefined; budgetUsd?: number | undefined }): Promise<void> {
  if (!agent) return;
  const row = await agentForTask(env, agent);
  const options = { ...(limits.maxSteps !== undefined ? { maxSteps: limits.maxSteps } : {}), ...(limits.budgetUsd !== undefined ? { budgetUsd: limits.budgetUsd } : {}) };
  const settled = settleTaskSettings(row, { desktopId: null, labels: [], options });
  if (!settled.ok) throw unprocessable(settled.code, settled.message);
}

/** A schedule's `env` must reach its runs' shells: the vault, the agent's shell, the secrets and their grants (domain/vault/shell-env.ts). */
async function checkScheduleEnv(env: Env, s: { id: string; env: Record<string, string> | undefined; agent: string | null; desktopId: string | null; labels: string[] }): Promise<void> {
  if (!s.env || Object.keys(s.env).length === 0) return;
  const agent = s.agent ? await agentForTask(env, s.agent) : null;
  await checkShellEnv(env, { env: s.env, tools: agent?.tools, desktopId: s.desktopId, labels: s.labels, scheduleId: s.id, field: "the schedule's env" });
}

/** `selfLearning` as stored: on or off, and with it on, whether prompt rewrites wait for approval (the default) or apply at once. */
function learningColumns(v: SelfLearningInput): { selfLearning: boolean; selfLearningMode: "propose" | "auto" } {
  const mode = selfLearningMode(v);
  return { selfLearning: mode !== "off", selfLearningMode: mode === "auto" ? "auto" : "propose" };
}

export const promptChange = (prompt: string, author: string, reason: string | null, at: number): PromptChange => ({ id: newId("pv", at), prompt, author, reason, at });

/** The last write came from a concurrent edit (the prompt version moved under us) or a delete. */
export async function lostRace(env: Env, id: string): Promise<never> {
  if (!(await getSchedule(env.DB, id))) throw notFound("schedule", id);
  throw conflict("schedule_changed", `schedule \`${id}\` was changed by someone else meanwhile; reload it and retry`);
}

export async function createSchedule(env: Env, b: CreateScheduleBody, actor: string): Promise<ScheduleRow> {
  const now = Date.now();
  const timing = valid(checkTiming(b, now));
  if (b.desktopId) await requireDesktop(env, b.desktopId);
  await checkAgentFits(env, b.agent ?? null, { maxSteps: b.maxSteps, budgetUsd: b.budgetUsd });
  await checkNamedSecrets(env.DB, b.prompt);
  const id = newId("sch", now);
  await checkScheduleEnv(env, { id, env: b.env, agent: b.agent ?? null, desktopId: b.desktopId ?? null, labels: b.desktopId ? [] : (b.labels ?? []) });
  const enabled = b.enabled ?? true;
  const row = {
    id,
    name: b.name,
    prompt: b.prompt,
    promptVersion: 1 as const,
    startUrl: b.startUrl ?? null,
    targetDesktopId: b.desktopId ?? null,
    targetLabels: b.desktopId ? [] : (b.labels ?? []),
    ...timingColumns(timing),
    enabled,
    notify: b.notify ?? false,
    selfHealing: b.selfHealing ?? null,
    ...learningColumns(b.selfLearning ?? false),
    maxLearningRuns: b.maxLearningRuns ?? 5,
    maxRuns: b.maxRuns ?? null,
    skipIfRunning: b.skipIfRunning ?? true,
    agent: b.agent ?? null,
    options: mergeOptions({}, { model: b.model, maxSteps: b.maxSteps, budgetUsd: b.budgetUsd, replay: b.replay, env: b.env }),
    nextRunAt: enabled ? firstRun(timing, now) : null,
    createdBy: actor,
    createdAt: now,
    updatedAt: now,
  };
  const inserted = await insertSchedule(env.DB, row, promptChange(b.prompt, actor, b.reason ?? null, now));
  await audit(env.DB, { actor, action: "schedule.create", targetType: "schedule", targetId: row.id, details: { name: row.name, kind: row.kind } });
  return inserted;
}

export async function updateSchedule(env: Env, id: string, b: UpdateScheduleBody, actor: string): Promise<ScheduleRow> {
  const row = await requireSchedule(env, id);
  if (b.prompt !== undefined) await checkNamedSecrets(env.DB, b.prompt);
  const now = Date.now();
  const patch: SchedulePatch = { updatedAt: now };
  if (b.name !== undefined) patch.name = b.name;
  if (b.notify !== undefined) patch.notify = b.notify;
  if (b.selfHealing !== undefined) patch.selfHealing = b.selfHealing;
  if (b.selfLearning !== undefined) Object.assign(patch, learningColumns(b.selfLearning));
  if (b.maxLearningRuns !== undefined) patch.maxLearningRuns = b.maxLearningRuns;
  if (b.maxRuns !== undefined) patch.maxRuns = b.maxRuns;
  if (b.skipIfRunning !== undefined) patch.skipIfRunning = b.skipIfRunning;
  if (b.startUrl !== undefined) patch.startUrl = b.startUrl;
  if (b.agent !== undefined) patch.agent = b.agent;
  if (b.agent || b.maxSteps || b.budgetUsd) {
    const options = (patch.options ?? row.options) as { maxSteps?: number; budgetUsd?: number };
    await checkAgentFits(env, b.agent !== undefined ? b.agent : row.agent, { maxSteps: options.maxSteps, budgetUsd: options.budgetUsd });
  }
  if (b.model !== undefined || b.maxSteps !== undefined || b.budgetUsd !== undefined || b.replay !== undefined || b.env !== undefined) {
    patch.options = mergeOptions(patch.options ?? row.options, { model: b.model, maxSteps: b.maxSteps, budgetUsd: b.budgetUsd, replay: b.replay, env: b.env });
  }
  if (b.labels !== undefined) Object.assign(patch, { targetLabels: b.labels, targetDesktopId: null });
  if (b.desktopId === null) patch.targetDesktopId = null;
  else if (b.desktopId !== undefined) {
    await requireDesktop(env, b.desktopId);
    Object.assign(patch, { targetDesktopId: b.desktopId, targetLabels: [] });
  }

  // The env must still reach every run's shell after the change (a new agent, a new target, new variables).
  const envAfter = ((patch.options ?? row.options) as { env?: Record<string, string> }).env;
  if (envAfter && (b.env !== undefined || b.agent !== undefined || b.desktopId !== undefined || b.labels !== undefined)) {
    const desktopId = patch.targetDesktopId !== undefined ? patch.targetDesktopId : row.targetDesktopId;
    await checkScheduleEnv(env, { id, env: envAfter, agent: b.agent !== undefined ? b.agent : row.agent, desktopId, labels: desktopId ? [] : (patch.targetLabels ?? row.targetLabels) });
  }

  const timingGiven = b.cron !== undefined || b.intervalMinutes !== undefined || b.runAt !== undefined;
  const timingChanged = timingGiven || b.timezone !== undefined;
  const timing = timingChanged
    ? valid(checkTiming({ ...(timingGiven ? { cron: b.cron, intervalMinutes: b.intervalMinutes, runAt: b.runAt } : timingInputOf(row)), timezone: b.timezone ?? row.timezone }, now))
    : timingOf(row);
  if (timingChanged) Object.assign(patch, timingColumns(timing));

  let enabled = b.enabled ?? row.enabled;
  const maxRuns = b.maxRuns !== undefined ? b.maxRuns : row.maxRuns;
  if (enabled && maxRuns !== null && row.runCount >= maxRuns) {
    if (b.enabled === true) {
      throw unprocessable("max_runs_reached", `schedule \`${id}\` has run ${row.runCount} times and its maxRuns is ${maxRuns}; raise maxRuns (or set it to null) to enable it`);
    }
    enabled = false;
  }
  patch.enabled = enabled;
  if (!enabled) patch.nextRunAt = null;
  else if (timingChanged || !row.enabled) {
    patch.nextRunAt = firstRun(timing, now);
    if (patch.nextRunAt === null) {
      throw unprocessable("run_at_in_past", `this one-shot schedule's runAt (${new Date(row.runAt ?? 0).toISOString()}) has passed; give a new runAt to enable it`);
    }
  }

  const change = b.prompt !== undefined && b.prompt !== row.prompt ? promptChange(b.prompt, actor, b.reason ?? null, now) : null;
  const updated = (await updateScheduleRow(env.DB, id, row.promptVersion, patch, change)) ?? (await lostRace(env, id));
  await audit(env.DB, { actor, action: "schedule.update", targetType: "schedule", targetId: id, details: { fields: Object.keys(b), promptVersion: updated.promptVersion } });
  return updated;
}

export async function deleteSchedule(env: Env, id: string, actor: string): Promise<void> {
  const row = await requireSchedule(env, id);
  if (!(await deleteScheduleRow(env.DB, id))) throw notFound("schedule", id);
  await audit(env.DB, { actor, action: "schedule.delete", targetType: "schedule", targetId: id, details: { name: row.name } });
}

/** Runs a schedule now, enabled or not; its next scheduled run is unchanged. */
export async function triggerSchedule(env: Env, id: string, actor: string): Promise<Task> {
  const row = await requireSchedule(env, id);
  const meta: ScheduledRunMeta = { slot: null, promptVersion: row.promptVersion, trigger: "manual", by: actor };
  const task = await startScheduledRun(env, row, meta);
  await recordManualRunAt(env.DB, id, task.createdAt);
  await audit(env.DB, { actor, action: "schedule.trigger", targetType: "schedule", targetId: id, details: { taskId: task.id } });
  return task;
}

/**
 * Saves a new prompt only if the schedule is still at `basedOnVersion`
 * (nothing else changes: timing, target and flags stay as they were).
 * Null when the prompt moved meanwhile.
 */
export async function savePromptVersion(env: Env, id: string, basedOnVersion: number, prompt: string, actor: string, reason: string): Promise<ScheduleRow | null> {
  const now = Date.now();
  const updated = await updateScheduleRow(env.DB, id, basedOnVersion, { updatedAt: now }, promptChange(prompt, actor, reason, now));
  if (updated) await audit(env.DB, { actor, action: "schedule.prompt", targetType: "schedule", targetId: id, details: { promptVersion: updated.promptVersion, reason } });
  return updated;
}
