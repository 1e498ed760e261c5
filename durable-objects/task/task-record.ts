import type { AssignedTask, PauseReason, ServerMessage, SpendEntry, Task, TaskOptions, TaskSource } from "@deskfleet/protocol";
import { toTask, type TaskRow } from "../../db/tasks.ts";
import type { HelpRow } from "../../db/help-requests.ts";
import type { Lifecycle } from "./lifecycle.ts";

/** A secret help answer waiting for delivery: sealed at rest, opened only to send it to the host. */
export type SealedHelpAnswer = { type: "sealed_help_answer"; taskId: string; requestId: string; sealed: string };
export type PendingDelivery = ServerMessage | SealedHelpAnswer;

/** Everything TaskDO keeps about its task, persisted as one JSON row in the object's storage. */
export type TaskRecord = Lifecycle & {
  id: string;
  prompt: string;
  /** The agent profile that runs it; null for none (absent in records stored before agents existed). */
  agent?: string | null;
  targetDesktopId: string | null;
  targetLabels: string[];
  source: TaskSource;
  sourceMeta: Record<string, unknown> | null;
  scheduleId: string | null;
  originalTaskId: string | null;
  retryNumber: number;
  priority: number;
  options: TaskOptions;
  createdAt: number;
  /** Highest host sequence number stored; the host resends anything after it. */
  lastHostSeq: number;
  lastActivityAt: number;
  /** Follow-ups accepted but not yet delivered to a host. */
  pendingMessages: { id: string; text: string; at: number }[];
  /** Whether the host has run this task before (a follow-up resumes its conversation). */
  everAssigned: boolean;
  /** Set while a person has taken over the desktop, or the fleet holds the task (budget, kill switch): host events do not move the task back to running. */
  pausedFor?: PauseReason | null;
  /** Who holds the desktop while paused, and the note of the last hand-back: re-sent to a host that reconnects. */
  pausedBy?: string | null;
  lastHandBackNote?: string | null;
  /** Every help request of this task; TaskDO is their only resolver. */
  helpRequests: HelpRow[];
  /** Messages for the host that it may have missed (answers, follow-ups); resent after a reconnect until it moves on. */
  pendingDeliveries: PendingDelivery[];
  /** Secret help answers, sealed (`help-answer` key): kept only so this object can redact them from host events after an eviction. */
  sealedAnswers?: { requestId: string; sealed: string }[];
  lastScreenshotKey: string | null;
  /** Attachments still awaited before the task is handed to the fleet (`options.attachments`); absent or 0 when none. */
  awaitingFiles?: number;
  /** Model calls whose cost FleetDO has not confirmed counting yet (retried by alarm; FleetDO counts each key once). */
  unreportedSpend?: SpendEntry[];
  /** Set by FleetDO while the task cannot start (absent in records stored before it existed). */
  waitingReason?: string | null;
};

export type NewTask = Pick<
  TaskRecord,
  "id" | "prompt" | "agent" | "targetDesktopId" | "targetLabels" | "source" | "sourceMeta" | "scheduleId" | "originalTaskId" | "retryNumber" | "priority" | "options"
>;

/** The API's view of a task: the same mapping as a D1 row, so the two can never disagree. */
export function toApiTask(r: TaskRecord): Task {
  return toTask(toRow(r));
}

export function toRow(r: TaskRecord): TaskRow {
  return {
    id: r.id,
    prompt: r.prompt,
    status: r.status,
    desktopId: r.desktopId,
    agent: r.agent ?? null,
    targetDesktopId: r.targetDesktopId,
    targetLabels: r.targetLabels,
    source: r.source,
    sourceMeta: r.sourceMeta,
    scheduleId: r.scheduleId,
    originalTaskId: r.originalTaskId,
    retryNumber: r.retryNumber,
    priority: r.priority,
    options: r.options,
    result: r.result,
    errorCode: r.error?.code ?? null,
    errorMessage: r.error?.message ?? null,
    inputTokens: r.usage.inputTokens,
    outputTokens: r.usage.outputTokens,
    cacheReadTokens: r.usage.cacheReadTokens,
    cacheWriteTokens: r.usage.cacheWriteTokens,
    costUsd: r.usage.costUsd,
    steps: r.steps,
    waitingReason: r.waitingReason ?? null,
    createdAt: r.createdAt,
    assignedAt: r.assignedAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    updatedAt: r.updatedAt,
  };
}

export function toAssigned(r: TaskRecord, secrets: AssignedTask["secrets"]): AssignedTask {
  return {
    id: r.id,
    prompt: r.prompt,
    options: r.options,
    followUps: r.pendingMessages,
    resume: r.everAssigned,
    nextSeq: r.lastHostSeq + 1,
    spent: { costUsd: r.usage.costUsd, steps: r.modelCalls ?? 0 },
    secrets,
  };
}
