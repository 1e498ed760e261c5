import { randomUUID } from "node:crypto";
import type { AssignedTask, HostEventInput, HostEventKind } from "@deskfleet/protocol";
import { MAX_CODE_CHARS, MAX_MESSAGE_CHARS, MAX_RESULT_CHARS, truncate as cut } from "@deskfleet/protocol";
import { OutboxFullError, type Outbox } from "../control/outbox.ts";
import type { FollowUp, HelpOutcome, TaskContext, TaskOutcome, TaskRunner } from "../task-runner.ts";
import type { Logger } from "./logger.ts";

export type TaskSessionOptions = {
  task: AssignedTask;
  runner: TaskRunner;
  outbox: Outbox;
  upload: (taskId: string, png: Uint8Array, signal: AbortSignal) => Promise<string>;
  logger: Logger;
  /** How long askHuman waits for an answer. Default 30 min. */
  helpTimeoutMs?: number;
  /** How long a cancelled runner has to stop before the host moves on. Default 2 s. */
  cancelGraceMs?: number;
};

type HelpWaiter = { resolve: (o: HelpOutcome) => void; timer: ReturnType<typeof setTimeout> };

const FINAL_KINDS = new Set<HostEventKind>(["started", "completed", "failed"]);

/**
 * One run of a task on this host: the TaskContext a runner sees, and the
 * bookkeeping around it (`started` first, one final event last, cancel,
 * follow-ups, help requests, a full buffer).
 */
export class TaskSession {
  readonly task: AssignedTask;
  readonly #o: TaskSessionOptions;
  readonly #abort = new AbortController();
  readonly #followUps: FollowUp[] = [];
  /** Set while a person holds the desktop (takeover); waiters resume with their hand-back note. */
  #takenOver: { by: string; waiters: ((note: string) => void)[] } | null = null;
  #handedBack: string | null = null;
  readonly #help = new Map<string, HelpWaiter>();
  readonly #log: Logger;
  #bufferFull: OutboxFullError | null = null;
  #cancelReason: string | null = null;
  #finished = false;

  constructor(options: TaskSessionOptions) {
    this.#o = options;
    this.task = options.task;
    this.#log = options.logger.child({ taskId: options.task.id });
  }

  get id(): string {
    return this.task.id;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Runs the task to its end and records the final event. Never rejects. */
  async run(): Promise<TaskOutcome> {
    const { task, outbox } = this.#o;
    outbox.open(task.id, task.nextSeq);
    this.#log.info(task.resume ? "resuming task" : "starting task", { nextSeq: task.nextSeq });
    let outcome: TaskOutcome;
    try {
      this.#push("started", { resume: task.resume });
      outcome = await this.#runRunner();
    } catch (err) {
      outcome = { status: "failed", error: { code: "runner_crashed", message: describe(err) } };
    }
    if (this.#bufferFull) {
      outcome = { status: "failed", error: { code: "event_buffer_full", message: `${this.#bufferFull.message}; the task was stopped` } };
    }
    this.#finished = true;
    for (const [, w] of this.#help) clearTimeout(w.timer);
    this.#help.clear();
    pushFinal(outbox, task.id, outcome);
    outbox.close(task.id);
    this.#log.info(`task ${outcome.status}`, outcome.status === "failed" ? { error: outcome.error.code, message: outcome.error.message } : {});
    return outcome;
  }

  cancel(reason: string): void {
    if (this.#finished || this.#abort.signal.aborted) return;
    this.#cancelReason = reason;
    this.#log.info("cancelling task", { reason });
    this.#abort.abort(new DOMException(`task cancelled: ${reason}`, "AbortError"));
  }

  /** A person took over the desktop: the runner waits before its next model call or action. */
  pause(by: string): void {
    if (this.#takenOver || this.#finished) return;
    this.#log.info("paused: a person took over the desktop", { by });
    this.#takenOver = { by, waiters: [] };
  }

  /** They handed it back. */
  resume(note: string): void {
    const t = this.#takenOver;
    if (!t) return;
    this.#takenOver = null;
    this.#log.info("resumed: the desktop was handed back");
    this.#handedBack = note;
    for (const w of t.waiters) w(note);
  }

  #whenInControl(): Promise<{ handedBack: string | null }> {
    const t = this.#takenOver;
    if (!t) {
      // Report a hand-back once, even if it happened while the runner was busy elsewhere.
      const note = this.#handedBack;
      this.#handedBack = null;
      return Promise.resolve({ handedBack: note });
    }
    return new Promise((resolve, reject) => {
      const signal = this.#abort.signal;
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      t.waiters.push(() => {
        signal.removeEventListener("abort", onAbort);
        const note = this.#handedBack;
        this.#handedBack = null;
        resolve({ handedBack: note });
      });
    });
  }

  addFollowUp(message: FollowUp): void {
    if (this.#followUps.some((m) => m.id === message.id)) return;
    this.#followUps.push(message);
  }

  answerHelp(requestId: string, status: HelpOutcome["status"], answer: string | null): boolean {
    const w = this.#help.get(requestId);
    if (!w) return false;
    this.#help.delete(requestId);
    clearTimeout(w.timer);
    // A dismissal may say why (e.g. the task reached its limit of questions): the agent is told.
    w.resolve(status === "answered" ? { status, answer: answer ?? "" } : { status, answer: null, ...(answer ? { note: answer } : {}) });
    return true;
  }

  async #runRunner(): Promise<TaskOutcome> {
    const cancelled = (): TaskOutcome => ({ status: "failed", error: { code: "cancelled", message: this.#cancelReason ?? "cancelled" } });
    const run = Promise.resolve()
      .then(() => this.#o.runner.run(this.#context()))
      // A runner that stops by throwing its abort reason was cancelled, not broken.
      .catch((err: unknown): TaskOutcome => (this.#cancelReason !== null ? cancelled() : { status: "failed", error: { code: "runner_crashed", message: describe(err) } }));
    const signal = this.#abort.signal;
    // After a cancel the runner has a grace period; a runner that ignores its signal must not hold the desktop.
    const stopped = new Promise<TaskOutcome>((resolve) => {
      const onAbort = () => {
        const t = setTimeout(() => {
          const graceMs = this.#o.cancelGraceMs ?? 2_000;
          this.#log.error(`the runner did not stop within ${graceMs} ms of being cancelled; moving on without it`);
          resolve(cancelled());
        }, this.#o.cancelGraceMs ?? 2_000);
        void run.finally(() => clearTimeout(t));
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    return Promise.race([run, stopped]);
  }

  #context(): TaskContext {
    return {
      task: this.task,
      signal: this.#abort.signal,
      emit: (kind, data) => {
        if (FINAL_KINDS.has(kind)) throw new TypeError(`a runner does not emit ${kind}; return an outcome instead`);
        this.#push(kind, data);
      },
      uploadScreenshot: (png) => this.#o.upload(this.task.id, png, this.#abort.signal),
      askHuman: (question, options) => this.#askHuman(question, options),
      takeFollowUps: () => this.#followUps.splice(0),
      whenInControl: () => this.#whenInControl(),
    };
  }

  #push<K extends HostEventKind>(kind: K, data: HostEventInput<K>): void {
    if (this.#finished || this.#bufferFull) return;
    try {
      this.#o.outbox.push(this.task.id, kind, data);
    } catch (err) {
      if (!(err instanceof OutboxFullError)) throw err;
      this.#bufferFull = err;
      this.#log.error("event buffer full: stopping the task", { problem: err.message });
      this.#abort.abort(new DOMException(err.message, "AbortError"));
    }
  }

  /** Waits for a person; rejects with the abort reason when the task is cancelled meanwhile. */
  #askHuman(question: string, options: string[] = []): Promise<HelpOutcome> {
    const signal = this.#abort.signal;
    if (signal.aborted) return Promise.reject(signal.reason);
    const requestId = randomUUID();
    const timeoutMs = this.#o.helpTimeoutMs ?? 30 * 60_000;
    // Within the protocol's limits, or the server would log the question instead of asking anyone.
    const choices = options.map((o) => o.trim().slice(0, 200)).filter((o) => o !== "").slice(0, 10);
    this.#push("help_request", { requestId, question: question.trim().slice(0, 4000) || "(the agent asked an empty question)", ...(choices.length ? { options: choices } : {}), timeoutMs });
    return new Promise<HelpOutcome>((resolve, reject) => {
      const onAbort = () => {
        const w = this.#help.get(requestId);
        if (w) clearTimeout(w.timer);
        this.#help.delete(requestId);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        this.#help.delete(requestId);
        this.#log.warn("help request timed out", { requestId });
        resolve({ status: "timed_out", answer: null });
      }, timeoutMs);
      this.#help.set(requestId, {
        timer,
        resolve: (o) => {
          signal.removeEventListener("abort", onAbort);
          resolve(o);
        },
      });
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** The final event must fit the protocol's limits, or the task could never finish on the server. */
function pushFinal(outbox: Outbox, taskId: string, outcome: TaskOutcome): void {
  if (outcome.status === "completed") outbox.push(taskId, "completed", { result: cut(outcome.result, MAX_RESULT_CHARS) }, { force: true });
  else outbox.push(taskId, "failed", { error: { code: cut(outcome.error.code, MAX_CODE_CHARS) || "failed", message: cut(outcome.error.message, MAX_MESSAGE_CHARS) } }, { force: true });
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
