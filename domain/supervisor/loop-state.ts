import type { ToolResultBlockParam } from "@anthropic-ai/sdk/resources/messages/messages";
import type { SupervisorEntry, SupervisorStatus } from "@deskfleet/protocol";
import type { Turn } from "./conversation-window.ts";
import type { JobState } from "./tools/tool.ts";

/** A tool call whose result comes later: a task to finish, or a person to answer. */
export type PendingWait =
  | { toolUseId: string; kind: "task"; taskId: string; timeoutMs: number; lastSeq: number; lastProgressAt: number }
  | { toolUseId: string; kind: "human"; question: string };

export type LoopState = {
  status: SupervisorStatus;
  /** The tool calls of the last model turn, while some results are still outstanding. */
  pending: { order: string[]; results: Record<string, ToolResultBlockParam>; waits: PendingWait[] } | null;
  /** Consecutive failed model calls (reset by a success). */
  modelFailures: number;
  /** Model turns since a person last wrote: bounds a runaway tool loop. */
  autonomousTurns: number;
  job: JobState | null;
};

export const INITIAL_STATE: LoopState = { status: "idle", pending: null, modelFailures: 0, autonomousTurns: 0, job: null };

/** Where a conversation lives (the Durable Object's SQLite); synchronous, so a read-modify-write never interleaves. */
export interface ConversationStore {
  state(): LoopState;
  setState(s: LoopState): void;
  turns(): Turn[];
  appendTurn(t: Turn): void;
  /** Replaces the last turn (a user turn that gets more content). */
  replaceLastTurn(t: Turn): void;
  replaceTurns(ts: Turn[]): void;
  pushInbox(text: string): void;
  takeInbox(): string[];
  addEntry(kind: SupervisorEntry["kind"], text: string, data: Record<string, unknown> | null): SupervisorEntry;
}
