import type { AssignedTask, HostEventInput, HostEventKind } from "@deskfleet/protocol";

/**
 * The seam between the host runtime (connection, outbox, reconnects) and the
 * work itself (the computer-use loop). The runtime owns sequence numbers,
 * delivery and acks; a runner only says what happened.
 */

/** What a runner reports; the runtime itself reports a task's start, end and help requests. */
export type RunnerEventKind = Exclude<HostEventKind, "started" | "completed" | "failed" | "help_request">;

export type FollowUp = { id: string; text: string; at: number };

export type HelpOutcome =
  | { status: "answered"; answer: string }
  | { status: "dismissed" | "timed_out"; answer: null; /** Why, when the control plane says (never a person's answer). */ note?: string };

export interface TaskContext {
  readonly task: AssignedTask;
  /**
   * Records an event, its data typed by the protocol's schema for its kind; the
   * runtime numbers it, keeps it until acked, resends after reconnects.
   */
  emit<K extends RunnerEventKind>(kind: K, data: HostEventInput<K>): void;
  /** Stores a PNG with the control plane (R2) and returns its key for a `screenshot` event. */
  uploadScreenshot(png: Uint8Array): Promise<string>;
  /** Asks a person (help request) and waits for the answer, a dismissal or the timeout. */
  askHuman(question: string, options?: string[]): Promise<HelpOutcome>;
  /** Follow-up messages that arrived since the last call, oldest first. */
  takeFollowUps(): FollowUp[];
  /**
   * Resolves at once while the agent is in control. While a person has taken
   * over the desktop it waits, then resolves with the note they handed back
   * (`handedBack`), so the runner can look at the screen again before acting.
   */
  whenInControl(): Promise<{ handedBack: string | null }>;
  /** Aborted when the task is cancelled; a runner must stop within 2 s and release held input. */
  readonly signal: AbortSignal;
}

export type TaskOutcome =
  | { status: "completed"; result: string }
  | { status: "failed"; error: { code: string; message: string } };

export interface TaskRunner {
  run(ctx: TaskContext): Promise<TaskOutcome>;
}
