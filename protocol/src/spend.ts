import { z } from "zod";
import { EpochMs } from "./ids.ts";

/** One model call counted against the fleet's budget. `key` makes it count once (a host resending after a reconnect). */
export const SpendEntry = z.object({
  key: z.string().min(1).max(300),
  at: EpochMs,
  costUsd: z.number().nonnegative(),
  model: z.string().max(100),
  /** Who called the model: a desktop's host running a task, or the supervisor. */
  source: z.enum(["desktop", "supervisor"]),
  taskId: z.string().nullable().optional(),
  desktopId: z.string().nullable().optional(),
  agent: z.string().nullable().optional(),
  scheduleId: z.string().nullable().optional(),
  /** Who created the task (or started the conversation): a token, an Access email, `telegram:<id>`. */
  identity: z.string().nullable().optional(),
  conversationId: z.string().nullable().optional(),
});
export type SpendEntry = z.infer<typeof SpendEntry>;

export const SpendGroup = z.enum(["desktop", "agent", "schedule", "identity", "model", "source", "task", "day"]);
export type SpendGroup = z.infer<typeof SpendGroup>;

export const SpendRow = z.object({ key: z.string().nullable(), costUsd: z.number(), calls: z.number().int() });
export type SpendRow = z.infer<typeof SpendRow>;

/** A budget limit in dollars; null is no limit. */
export const BudgetLimit = z.number().nonnegative().max(1_000_000).nullable();

/** `PUT /api/spend/budget`: runtime limits; a field left out keeps its value, null removes the limit, `reset` goes back to the deployment's settings. */
export const BudgetUpdate = z.strictObject({
  dailyUsd: BudgetLimit.optional(),
  monthlyUsd: BudgetLimit.optional(),
  reset: z.literal(true).optional(),
});
export type BudgetUpdate = z.infer<typeof BudgetUpdate>;

export const BudgetStatus = z.object({
  dailyUsd: z.number().nullable(),
  monthlyUsd: z.number().nullable(),
  /** Where the limits come from: the deployment's settings, or an admin at runtime. */
  source: z.enum(["settings", "runtime"]),
  todayUsd: z.number(),
  monthUsd: z.number(),
  /** The window that is spent, or null: new tasks wait and running ones pause. */
  over: z.enum(["daily", "monthly"]).nullable(),
  warn: z.array(z.enum(["daily", "monthly"])),
});
export type BudgetStatus = z.infer<typeof BudgetStatus>;

/** The kill switch as everyone sees it. */
export const FleetPauseState = z.object({ by: z.string(), at: EpochMs, running: z.enum(["cancel", "pause"]) }).nullable();
export type FleetPauseState = z.infer<typeof FleetPauseState>;

export const FleetState = z.object({
  paused: FleetPauseState,
  budget: BudgetStatus,
  /** Running tasks the fleet holds, and why (the kill switch, or the budget). */
  held: z.array(z.object({ taskId: z.string(), reason: z.enum(["fleet", "budget"]) })),
  runAnyway: z.array(z.string()),
});
export type FleetState = z.infer<typeof FleetState>;

export const FleetPauseInput = z.strictObject({ running: z.enum(["cancel", "pause"]).default("pause") });

export const SpendReport = z.object({
  from: EpochMs,
  to: EpochMs,
  by: SpendGroup,
  totalUsd: z.number(),
  rows: z.array(SpendRow),
  budget: BudgetStatus,
});
export type SpendReport = z.infer<typeof SpendReport>;

/** `GET /api/spend`: a window (epoch ms; this UTC month so far by default) and one dimension. */
export const SpendQuery = z.strictObject({
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
  by: SpendGroup.default("desktop"),
});

export const ScheduleRunCost = z.object({ taskId: z.string(), at: EpochMs, costUsd: z.number(), calls: z.number().int() });
export type ScheduleRunCost = z.infer<typeof ScheduleRunCost>;
