import type { CheckedHostEvent, EventBody, TaskError, TaskStatus, TaskUsage } from "@deskfleet/protocol";
import { isTerminal } from "@deskfleet/protocol";

/**
 * The task state machine (ARCHITECTURE.md, "The life of a task"):
 *   queued → assigned → running ⇄ waiting_for_human → completed | failed | cancelled
 * plus: assigned → queued (the host could not take it), and a finished task
 * back to queued when a person sends a follow-up (the conversation continues).
 */
const ALLOWED: Record<TaskStatus, readonly TaskStatus[]> = {
  queued: ["assigned", "failed", "cancelled"],
  assigned: ["running", "queued", "waiting_for_human", "completed", "failed", "cancelled"],
  running: ["waiting_for_human", "completed", "failed", "cancelled"],
  waiting_for_human: ["running", "completed", "failed", "cancelled"],
  completed: ["queued"],
  failed: ["queued"],
  cancelled: ["queued"],
};

export const canTransition = (from: TaskStatus, to: TaskStatus): boolean => ALLOWED[from].includes(to);

export type Lifecycle = {
  status: TaskStatus;
  desktopId: string | null;
  result: string | null;
  error: TaskError | null;
  usage: TaskUsage;
  /** Actions the agent took. */
  steps: number;
  /** Model calls the host reported (a `usage` event each): what `maxSteps` limits. Absent in records stored before it existed. */
  modelCalls?: number;
  assignedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
};

export class TransitionError extends Error {}

export function transition<T extends Lifecycle>(s: T, to: TaskStatus, now: number): T {
  if (s.status === to) return s;
  if (!canTransition(s.status, to)) throw new TransitionError(`a ${s.status} task cannot become ${to}`);
  const next: T = { ...s, status: to, updatedAt: now };
  if (to === "running" && next.startedAt === null) next.startedAt = now;
  if (isTerminal(to)) next.finishedAt = now;
  if (to === "queued") {
    next.finishedAt = null;
    next.error = null;
  }
  return next;
}

export const ZERO_USAGE: TaskUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 };

function addUsage(a: TaskUsage, b: Partial<TaskUsage>): TaskUsage {
  return {
    inputTokens: a.inputTokens + (b.inputTokens ?? 0),
    outputTokens: a.outputTokens + (b.outputTokens ?? 0),
    cacheReadTokens: a.cacheReadTokens + (b.cacheReadTokens ?? 0),
    cacheWriteTokens: a.cacheWriteTokens + (b.cacheWriteTokens ?? 0),
    costUsd: Math.round((a.costUsd + (b.costUsd ?? 0)) * 1e6) / 1e6,
  };
}

/**
 * Applies one host event to the lifecycle. Events that arrive after the task
 * has finished (a host that kept going while cut off) are stored but change nothing.
 */
export function applyHostEvent<T extends Lifecycle>(s: T, e: CheckedHostEvent, now: number): T {
  if (isTerminal(s.status) || s.status === "queued") return s;
  let next = s;
  const toRunning = () => (next.status === "assigned" || next.status === "waiting_for_human" ? transition(next, "running", now) : next);
  switch (e.kind) {
    case "started":
    case "assistant_text":
    case "action_result":
    case "screenshot":
    case "secret_typed":
    case "log":
      next = toRunning();
      break;
    case "action":
      next = { ...toRunning(), steps: next.steps + 1 };
      break;
    case "usage":
      next = { ...toRunning(), usage: addUsage(next.usage, e.data), modelCalls: (next.modelCalls ?? 0) + 1 };
      break;
    case "help_request":
      next = transition(toRunning(), "waiting_for_human", now);
      break;
    case "completed":
      next = { ...transition(next, "completed", now), result: e.data.result, error: null };
      break;
    case "failed":
      next = { ...transition(next, "failed", now), error: e.data.error };
      break;
  }
  return next === s ? s : { ...next, updatedAt: now };
}

/** The searchable text of an event (assistant words, results, errors, questions, follow-ups). */
export function searchableText(e: EventBody): string | null {
  switch (e.kind) {
    case "assistant_text":
    case "user_message":
    case "note":
      return e.data.text;
    case "completed":
      return e.data.result;
    case "failed":
      return e.data.error.message;
    case "help_request":
      return e.data.question;
    case "help_answer":
      return e.data.answer;
    // Tools beyond the screen: what was run, written, moved or opened is searchable history.
    case "command":
      return `$ ${e.data.command}\n${e.data.output}`;
    case "file_write":
      return `${e.data.op} ${e.data.path}`;
    case "file_transfer":
      return `${e.data.direction === "in" ? "attachment" : "sent"} ${e.data.name}`;
    case "browser":
      return [e.data.op, e.data.target, e.data.tab?.url].filter(Boolean).join(" ");
    case "web_fetch":
      return `fetch ${e.data.url}`;
    case "mcp_call":
      return `mcp ${e.data.server}.${e.data.tool}`;
    default:
      return null;
  }
}
