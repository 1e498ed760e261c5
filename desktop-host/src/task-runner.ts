import type { AssignedTask, HostEventInput, HostEventKind, HostMemoryRequest, HostMemoryResult, ReplayLookup, SaveTrajectoryBody, SecretKind, SecretUse, TaskFile } from "@deskfleet/protocol";

/** What a host asks a vault value for (the control plane releases it only for a use the task has). */
export type HostSecretUse = Exclude<SecretUse, "unlock_screen">;

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
  /** The answer to a secret question: the host holds it under `name` for type_secret; the runner never sees it. */
  | { status: "answered_secretly"; answer: null; name: string; characters: number }
  | { status: "dismissed" | "timed_out"; answer: null; /** Why, when the control plane says (never a person's answer). */ note?: string };

/**
 * A secret's value, to type at once and forget: a vault secret (released by
 * the control plane for this task, now) or a secret help answer held here.
 */
export type SecretValue =
  | { ok: true; value: string; kind: SecretKind; source: "vault" | "help_answer" }
  | { ok: false; message: string; /** The names that are available to this task. */ available: string[] };

export interface TaskContext {
  readonly task: AssignedTask;
  /**
   * Records an event, its data typed by the protocol's schema for its kind; the
   * runtime numbers it, keeps it until acked, resends after reconnects.
   */
  emit<K extends RunnerEventKind>(kind: K, data: HostEventInput<K>): void;
  /** Stores a PNG with the control plane (R2) and returns its key for a `screenshot` event. */
  uploadScreenshot(png: Uint8Array): Promise<string>;
  /** Asks a person (help request) and waits for the answer, a dismissal or the timeout; a `secret` question's answer stays with the host. */
  askHuman(question: string, options?: string[], opts?: { secret?: boolean }): Promise<HelpOutcome>;
  /**
   * A secret's value to type now. Every value handed out is kept out of this
   * task's events and the host's log lines until the task ends.
   */
  secretValue(name: string, use?: HostSecretUse): Promise<SecretValue>;
  /** Follow-up messages that arrived since the last call, oldest first. */
  takeFollowUps(): FollowUp[];
  /**
   * Resolves at once while the agent is in control. While a person has taken
   * over the desktop it waits, then resolves with the note they handed back
   * (`handedBack`), so the runner can look at the screen again before acting.
   */
  whenInControl(): Promise<{ handedBack: string | null }>;
  /**
   * Searches or saves long-term memory for this task's agent (its memory tools);
   * absent where there is no control plane to ask (benchmarks, tests).
   */
  memory?(request: HostMemoryRequest): Promise<HostMemoryResult>;
  /** Aborted when the task is cancelled; a runner must stop within 2 s and release held input. */
  readonly signal: AbortSignal;
  /** Recorded trajectories of this task's schedule or prompt (absent: nothing is replayed or recorded). */
  readonly trajectories?: TrajectoryStore;
  /** The task's files on the control plane: attachments to download, artifacts to send back. */
  readonly files: TaskFiles;
}

/** The control plane's trajectories, as one task sees them (desktop-host/src/replay/). */
export interface TrajectoryStore {
  /** The trajectory this task should replay, or null and why. */
  lookup(): Promise<ReplayLookup>;
  /** Saves what this completed task did as the next trajectory version. */
  save(body: SaveTrajectoryBody): Promise<{ id: string; version: number }>;
}

/** A task's files, as the control plane stores them (R2, listed on the task). */
export interface TaskFiles {
  /** The task's attachments and artifacts so far. */
  list(signal: AbortSignal): Promise<TaskFile[]>;
  download(fileId: string, signal: AbortSignal): Promise<Uint8Array>;
  /** Stores an artifact of the task (listed on it, downloadable, sent to the Telegram chat that started it). */
  upload(name: string, bytes: Uint8Array, contentType: string, signal: AbortSignal): Promise<TaskFile>;
}

export type TaskOutcome =
  | { status: "completed"; result: string }
  | { status: "failed"; error: { code: string; message: string } };

export interface TaskRunner {
  run(ctx: TaskContext): Promise<TaskOutcome>;
}
