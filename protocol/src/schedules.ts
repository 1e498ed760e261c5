import { z } from "zod";
import { DesktopId, EpochMs, Label, TaskId } from "./ids.ts";
import { ReplayMode, TaskOptions, TaskStatus } from "./task.ts";
import { TaskEnv } from "./shell-env.ts";
import { AgentName } from "./agents.ts";

export const ScheduleId = z.string().regex(/^sch_[0-9a-z]{10,40}$/, { message: "a schedule id looks like `sch_…`" });
export type ScheduleId = z.infer<typeof ScheduleId>;

export const ScheduleKind = z.enum(["cron", "interval", "once"]);
export type ScheduleKind = z.infer<typeof ScheduleKind>;

/**
 * The last run's outcome: the task's status (terminal once it finishes), or
 * `not_started` when the slot was claimed but the task could not be created.
 */
export const ScheduleLastStatus = z.union([TaskStatus, z.literal("not_started")]);
export type ScheduleLastStatus = z.infer<typeof ScheduleLastStatus>;

/** One year: a longer interval is better written as a cron expression. */
const MAX_INTERVAL_MINUTES = 525_600;

// Shape checks only; cron syntax, time zones and "in the future" are checked by the scheduler (422 with what is wrong).
const timing = {
  cron: z.string().trim().min(1, { message: "cron must not be empty" }).max(200),
  intervalMinutes: z
    .number({ message: "intervalMinutes must be a number of minutes" })
    .int({ message: "intervalMinutes must be a whole number of minutes" })
    .min(1, { message: "intervalMinutes must be at least 1: schedules run at most once a minute" })
    .max(MAX_INTERVAL_MINUTES, { message: "intervalMinutes must be at most 525600 (a year); use a cron expression for longer" }),
  runAt: EpochMs,
  timezone: z.string().trim().min(1).max(64),
};

/**
 * Self-learning: "off", "propose" (an optimizer's prompt rewrite waits for a
 * person's approval) or "auto" (it is applied at once). `true` is read as
 * "propose" and `false` as "off", as older clients send them.
 */
export const SelfLearningMode = z.enum(["off", "propose", "auto"]);
export type SelfLearningMode = z.infer<typeof SelfLearningMode>;
export const SelfLearningInput = z.union([z.boolean(), SelfLearningMode], {
  message: 'selfLearning is "off", "propose" (prompt rewrites wait for approval) or "auto" (applied at once); true means "propose"',
});
export type SelfLearningInput = z.infer<typeof SelfLearningInput>;
export const selfLearningMode = (v: SelfLearningInput): SelfLearningMode => (v === true ? "propose" : v === false ? "off" : v);

const settings = {
  name: z.string().trim().min(1, { message: "name must not be empty" }).max(100),
  prompt: z.string().trim().min(1, { message: "prompt must not be empty" }).max(50_000),
  enabled: z.boolean(),
  notify: z.boolean(),
  selfHealing: z.boolean(),
  selfLearning: SelfLearningInput,
  maxLearningRuns: z.number().int().min(1).max(1000),
  maxRuns: z.number().int().min(1).max(1_000_000),
  skipIfRunning: z.boolean(),
  startUrl: TaskOptions.shape.startUrl.unwrap(),
  model: TaskOptions.shape.model.unwrap(),
  maxSteps: TaskOptions.shape.maxSteps.unwrap(),
  budgetUsd: TaskOptions.shape.budgetUsd.unwrap(),
  /** Replay the latest good trajectory without the model ("auto", the default) or never ("off"). */
  replay: ReplayMode,
  /** Shell variables from the vault for each run (`{"GITHUB_TOKEN": "secret:github"}`). */
  env: TaskEnv,
  /** Why the prompt changed; kept with the prompt version. */
  reason: z.string().trim().min(1).max(500),
};

const oneTiming = (b: { cron?: unknown; intervalMinutes?: unknown; runAt?: unknown }) =>
  [b.cron, b.intervalMinutes, b.runAt].filter((v) => v !== undefined).length;

const oneTarget = (b: { desktopId?: unknown; labels?: unknown[] | null }) => !(b.desktopId && b.labels && b.labels.length > 0);

export const CreateScheduleBody = z
  .strictObject({
    name: settings.name,
    prompt: settings.prompt,
    desktopId: DesktopId.optional(),
    labels: z.array(Label).max(32).optional(),
    cron: timing.cron.optional(),
    intervalMinutes: timing.intervalMinutes.optional(),
    runAt: timing.runAt.optional(),
    timezone: timing.timezone.optional(),
    enabled: settings.enabled.optional(),
    notify: settings.notify.optional(),
    selfHealing: settings.selfHealing.optional(),
    selfLearning: settings.selfLearning.optional(),
    maxLearningRuns: settings.maxLearningRuns.optional(),
    maxRuns: settings.maxRuns.optional(),
    skipIfRunning: settings.skipIfRunning.optional(),
    startUrl: settings.startUrl.optional(),
    model: settings.model.optional(),
    maxSteps: settings.maxSteps.optional(),
    budgetUsd: settings.budgetUsd.optional(),
    replay: settings.replay.optional(),
    env: settings.env.optional(),
    agent: AgentName.optional().describe("The agent that runs each run (its settings are the runs' defaults)"),
    reason: settings.reason.optional(),
  })
  .refine((b) => oneTiming(b) === 1, { message: "give exactly one of cron, intervalMinutes or runAt" })
  .refine(oneTarget, { message: "give either desktopId or labels, not both" });
export type CreateScheduleBody = z.infer<typeof CreateScheduleBody>;

/** Every field optional; `null` clears an optional setting. Giving cron, intervalMinutes or runAt switches the kind. */
export const UpdateScheduleBody = z
  .strictObject({
    name: settings.name.optional(),
    prompt: settings.prompt.optional(),
    desktopId: DesktopId.nullable().optional(),
    labels: z.array(Label).max(32).optional(),
    cron: timing.cron.optional(),
    intervalMinutes: timing.intervalMinutes.optional(),
    runAt: timing.runAt.optional(),
    timezone: timing.timezone.optional(),
    enabled: settings.enabled.optional(),
    notify: settings.notify.optional(),
    selfHealing: settings.selfHealing.nullable().optional(),
    selfLearning: settings.selfLearning.optional(),
    maxLearningRuns: settings.maxLearningRuns.optional(),
    maxRuns: settings.maxRuns.nullable().optional(),
    skipIfRunning: settings.skipIfRunning.optional(),
    startUrl: settings.startUrl.nullable().optional(),
    model: settings.model.nullable().optional(),
    maxSteps: settings.maxSteps.nullable().optional(),
    budgetUsd: settings.budgetUsd.nullable().optional(),
    replay: settings.replay.optional(),
    /** `null` (or `{}`) removes them. */
    env: settings.env.nullable().optional(),
    agent: AgentName.nullable().optional(),
    reason: settings.reason.optional(),
  })
  .refine((b) => Object.keys(b).some((k) => k !== "reason"), { message: "send at least one field to change" })
  .refine((b) => oneTiming(b) <= 1, { message: "give at most one of cron, intervalMinutes or runAt" })
  .refine(oneTarget, { message: "give either desktopId or labels, not both" });
export type UpdateScheduleBody = z.infer<typeof UpdateScheduleBody>;

export const Schedule = z.object({
  id: ScheduleId,
  name: z.string(),
  prompt: z.string(),
  promptVersion: z.number().int().positive(),
  target: z.object({ desktopId: DesktopId.nullable(), labels: z.array(Label) }),
  kind: ScheduleKind,
  cron: z.string().nullable(),
  intervalMinutes: z.number().int().nullable(),
  runAt: EpochMs.nullable(),
  timezone: z.string(),
  enabled: z.boolean(),
  notify: z.boolean(),
  selfHealing: z.boolean().nullable(),
  selfLearning: SelfLearningMode,
  maxLearningRuns: z.number().int(),
  learningRuns: z.number().int(),
  maxRuns: z.number().int().nullable(),
  runCount: z.number().int(),
  skipIfRunning: z.boolean(),
  startUrl: z.string().nullable(),
  model: z.string().nullable(),
  maxSteps: z.number().int().nullable(),
  budgetUsd: z.number().nullable(),
  replay: ReplayMode,
  /** Shell variables each run takes from the vault: names and `secret:<name>` references, never values. */
  env: z.record(z.string(), z.string()),
  agent: AgentName.nullable(),
  /** When the Cron Trigger will next start a run; null when disabled or finished. */
  nextRunAt: EpochMs.nullable(),
  lastRunAt: EpochMs.nullable(),
  lastTaskId: TaskId.nullable(),
  lastStatus: ScheduleLastStatus.nullable(),
  createdBy: z.string().nullable(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
export type Schedule = z.infer<typeof Schedule>;

export const PromptVersion = z.object({
  version: z.number().int().positive(),
  prompt: z.string(),
  /** The identity id of who made the change (`admin`, `token:<id>`, `access:<email>`). */
  author: z.string(),
  reason: z.string().nullable(),
  current: z.boolean(),
  createdAt: EpochMs,
});
export type PromptVersion = z.infer<typeof PromptVersion>;

/** What a scheduled task carries in `sourceMeta`. */
export const ScheduledRunMeta = z.object({
  /** The slot this run was started for (epoch ms); null for a manual trigger. */
  slot: EpochMs.nullable(),
  promptVersion: z.number().int().positive(),
  trigger: z.enum(["cron", "manual"]),
  by: z.string().optional(),
});
export type ScheduledRunMeta = z.infer<typeof ScheduledRunMeta>;
