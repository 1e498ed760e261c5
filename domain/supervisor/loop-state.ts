import type { ContentBlockParam, ToolResultBlockParam } from "@anthropic-ai/sdk/resources/messages/messages";
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
  pending: {
    order: string[];
    results: Record<string, ToolResultBlockParam>;
    waits: PendingWait[];
    /** Results that came from a person (the answer to ask_human), not from reading the fleet. */
    personResults?: string[];
  } | null;
  /** Consecutive failed model calls (reset by a success). */
  modelFailures: number;
  /** Model turns since a person last wrote: bounds a runaway tool loop. */
  autonomousTurns: number;
  job: JobState | null;
  /**
   * Whether the next model turn answers a person's message. False after tool
   * results (text from pages, screens and tasks may try to steer the model) and
   * in jobs: the approval policy then turns the turn's writes into proposals.
   * Absent in conversations stored before approvals existed: read as false.
   */
  askedByPerson?: boolean;
  /** Short notes for the model (a proposal was decided), sent with the next user turn. */
  notes?: string[];
};

export const INITIAL_STATE: LoopState = { status: "idle", pending: null, modelFailures: 0, autonomousTurns: 0, job: null, askedByPerson: false, notes: [] };

/** Where a conversation lives (the Durable Object's SQLite); synchronous, so a read-modify-write never interleaves. */
export interface ConversationStore {
  state(): LoopState;
  setState(s: LoopState): void;
  turns(): Turn[];
  appendTurn(t: Turn): void;
  /** Replaces the last turn (a user turn that gets more content). */
  replaceLastTurn(t: Turn): void;
  replaceTurns(ts: Turn[]): void;
  /** A person's message that arrived mid-turn, as the blocks of its user turn. */
  pushInbox(blocks: ContentBlockParam[]): void;
  takeInbox(): ContentBlockParam[][];
  addEntry(kind: SupervisorEntry["kind"], text: string, data: Record<string, unknown> | null): SupervisorEntry;
}
