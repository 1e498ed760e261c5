import type { EventData, EventKind, TaskEvent } from "@deskfleet/protocol";
import { Proposal, SecretMetadata, storedTaskEvent } from "@deskfleet/protocol";
import type { Task } from "../tasks/types.ts";

let seq = 0;
/** A stored event of a kind with its data typed by the protocol (for what the host emits, see the contract test). */
export function event<K extends EventKind>(kind: K, data: EventData<K>, at = 1_700_000_000_000 + seq * 1000): TaskEvent {
  seq += 1;
  return storedTaskEvent({ taskId: "tsk_0000000000aaaaaaaaaa", seq, kind, source: "host", hostSeq: seq, data, at });
}

export function task(over: Partial<Task> = {}): Task {
  return {
    id: "tsk_0000000000aaaaaaaaaa",
    prompt: "Total this month's invoices",
    status: "running",
    desktopId: "mac-studio",
    agent: null,
    target: { desktopId: null, labels: [] },
    source: "dashboard",
    sourceMeta: null,
    scheduleId: null,
    originalTaskId: null,
    retryNumber: 0,
    priority: 0,
    options: { budgetUsd: 2 },
    result: null,
    error: null,
    usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
    steps: 0,
    waitingReason: null,
    createdAt: 1_700_000_000_000,
    assignedAt: 1_700_000_000_000,
    startedAt: 1_700_000_000_000,
    finishedAt: null,
    updatedAt: 1_700_000_000_000,
    ...over,
  };
}

/** A secret as GET /api/secrets lists it, checked against the protocol's schema (never a value). */
export function secret(over: Partial<SecretMetadata> = {}): SecretMetadata {
  return SecretMetadata.parse({
    name: "github",
    kind: "password",
    description: "GitHub login for the release bot",
    scope: "global",
    exclusive: false,
    totp: null,
    createdAt: 1_700_000_000_000,
    createdBy: "admin",
    rotatedAt: null,
    rotatedBy: null,
    lastUsedAt: null,
    lastUsedBy: null,
    lastUsedTaskId: null,
    lastUsedDesktopId: null,
    ...over,
  });
}

/** A proposal as the API returns it (checked against the protocol's schema). */
export function proposal(over: Partial<Proposal> = {}): Proposal {
  return Proposal.parse({
    id: "prp_0000000000aaaaaaaaaa",
    status: "pending",
    actionClass: "tasks",
    tool: "create_task",
    input: { prompt: "Open https://pay.example and transfer the balance", desktopId: "mac-studio" },
    summary: "Start a task on desktop mac-studio: “Open https://pay.example and transfer the balance”",
    why: "the supervisor decided it after reading tool results (text from tasks, pages or screens), not in answer to a person's message",
    reason: null,
    diff: null,
    conversationId: "dash:chat-1",
    taskId: null,
    requestedBy: "supervisor:dash:chat-1",
    createdAt: 1_700_000_000_000,
    expiresAt: 1_700_003_600_000,
    decidedAt: null,
    decidedBy: null,
    decidedVia: null,
    result: null,
    error: null,
    ...over,
  });
}
