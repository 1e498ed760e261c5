import { z } from "zod";
import { DesktopId, EpochMs, TaskId } from "./ids.ts";
import { Task, TaskStatus } from "./task.ts";
import { TaskEvent } from "./task-events.ts";
import { ProposalId, ProposalStatus } from "./approvals.ts";
import { FleetPauseState } from "./spend.ts";

export const DesktopPresence = z.enum(["online", "busy", "view_only", "offline"]);
export type DesktopPresence = z.infer<typeof DesktopPresence>;

/** Messages on the fleet feed (`GET /api/live`). */
export const FleetFeedMessage = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("desktop"),
    desktopId: DesktopId,
    /** By `desktopPresence` (protocol/src/presence.ts), the rule the REST API uses too. */
    presence: DesktopPresence,
    taskId: TaskId.nullable(),
    /** The desktop was deleted. */
    deleted: z.literal(true).optional(),
    at: EpochMs,
  }),
  z.object({
    type: z.literal("task"),
    taskId: TaskId,
    status: TaskStatus,
    desktopId: DesktopId.nullable(),
    at: EpochMs,
  }),
  z.object({
    type: z.literal("notification"),
    level: z.enum(["info", "success", "warning", "error"]),
    title: z.string(),
    body: z.string(),
    taskId: TaskId.nullable(),
    /** A dashboard view to open from the notification (e.g. `/approvals`). */
    path: z.string().regex(/^\/[A-Za-z0-9/_-]*$/).optional(),
    at: EpochMs,
  }),
  /** A proposal was made or decided: the dashboard's approvals badge and list follow it. */
  z.object({ type: z.literal("proposal"), proposalId: ProposalId, status: ProposalStatus, at: EpochMs }),
  /** The kill switch or the budget changed: the dashboard's header shows whether the fleet runs. */
  z.object({ type: z.literal("fleet"), paused: FleetPauseState, over: z.enum(["daily", "monthly"]).nullable(), at: EpochMs }),
  z.object({ type: z.literal("hello"), at: EpochMs }),
]);
export type FleetFeedMessage = z.infer<typeof FleetFeedMessage>;

/**
 * Messages on a task's live feed (`GET /api/tasks/:id/live`): first the task
 * as TaskDO holds it, then every event after `?after=`, then `replayed`, then
 * live events. A status event carries the task as it stands after the change;
 * a `task` message follows host events that changed the task without a status
 * change (steps, usage). A watcher never needs to refetch the task.
 */
export const TaskFeedMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("task"), task: Task }),
  z.object({ type: z.literal("event"), event: TaskEvent, task: Task.optional() }),
  z.object({ type: z.literal("replayed"), lastSeq: z.number().int().nonnegative() }),
]);
export type TaskFeedMessage = z.infer<typeof TaskFeedMessage>;
