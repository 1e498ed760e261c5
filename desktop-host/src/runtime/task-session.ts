import { randomUUID } from "node:crypto";
import type { AssignedTask, PauseReason, HostEventInput, HostEventKind, HostMemoryRequest, HostMemoryResult, SecretResponseMessage } from "@deskfleet/protocol";
import { MAX_CODE_CHARS, MAX_MESSAGE_CHARS, MAX_RESULT_CHARS, SECRET_ANSWER_LABEL, secretLabel, truncate as cut } from "@deskfleet/protocol";
import { OutboxFullError, type Outbox } from "../control/outbox.ts";
import type { FollowUp, HelpOutcome, HostSecretUse, SecretValue, TaskContext, TaskFiles, TaskOutcome, TaskRunner, TrajectoryStore } from "../task-runner.ts";
import type { Logger } from "./logger.ts";
import { SecretRedactions } from "./secret-redactions.ts";

export type TaskSessionOptions = {
  task: AssignedTask;
  runner: TaskRunner;
  outbox: Outbox;
  upload: (taskId: string, png: Uint8Array, signal: AbortSignal) => Promise<string>;
  /** The control plane's trajectories for a task (replay and recording); absent, nothing is replayed or recorded. */
  trajectories?: (taskId: string, signal: AbortSignal) => TrajectoryStore;
  /** The task's attachments and artifacts on the control plane. */
  files: TaskFiles;
  logger: Logger;
  /** The agent's memory tools, through the control plane; absent: the task has none. */
  memory?: (taskId: string, request: HostMemoryRequest, signal: AbortSignal) => Promise<HostMemoryResult>;
  /** How long askHuman waits for an answer. Default 30 min. */
  helpTimeoutMs?: number;
  /** How long a cancelled runner has to stop before the host moves on. Default 2 s. */
  cancelGraceMs?: number;
  /** Asks the control plane for a vault secret's value for this task (`secret_request`). */
  requestSecret?: (taskId: string, name: string, use: HostSecretUse) => Promise<SecretResponseMessage["result"]>;
  /** Shared with the host's logger: values this task holds are redacted from log lines and events. */
  redactions?: SecretRedactions;
};

type HelpWaiter = { resolve: (o: HelpOutcome) => void; timer: ReturnType<typeof setTimeout>; secret: boolean };

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
  readonly #redactions: SecretRedactions;
  /** Answers to this run's secret questions, by the name the model types them with (`answer:…`). */
  readonly #answers = new Map<string, string>();

  constructor(options: TaskSessionOptions) {
    this.#o = options;
    this.task = options.task;
    this.#log = options.logger.child({ taskId: options.task.id });
    this.#redactions = options.redactions ?? new SecretRedactions();
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
    pushFinal(outbox, task.id, this.#redactions.value(outcome));
    outbox.close(task.id);
    this.#log.info(`task ${outcome.status}`, outcome.status === "failed" ? { error: outcome.error.code, message: outcome.error.message } : {});
    // The task is over: the values it held are forgotten (nothing of it is logged or emitted any more).
    this.#answers.clear();
    this.#redactions.forget(task.id);
    return outcome;
  }

  cancel(reason: string): void {
    if (this.#finished || this.#abort.signal.aborted) return;
    this.#cancelReason = reason;
    this.#log.info("cancelling task", { reason });
    this.#abort.abort(new DOMException(`task cancelled: ${reason}`, "AbortError"));
  }

  /** A person took over the desktop, or the fleet holds the task (budget, kill switch): the runner waits before its next model call or action. */
  pause(by: string, reason: PauseReason = "takeover"): void {
    if (this.#takenOver || this.#finished) return;
    this.#log.info(reason === "takeover" ? "paused: a person took over the desktop" : `paused by the fleet (${reason})`, { by });
    this.#takenOver = { by, waiters: [] };
  }

  /** They handed it back. */
  resume(note: string): void {
    const t = this.#takenOver;
    if (!t) return;
    this.#takenOver = null;
    this.#log.info("resumed");
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

  answerHelp(requestId: string, status: "answered" | "dismissed" | "timed_out", answer: string | null, secret = false): boolean {
    const w = this.#help.get(requestId);
    if (!w) return false;
    this.#help.delete(requestId);
    clearTimeout(w.timer);
    if (status === "answered" && (secret || w.secret) && answer) {
      // Held here for type_secret; the runner learns only the name it is typed by.
      const name = `answer:${requestId.replace(/[^A-Za-z0-9]/g, "").slice(0, 8)}`;
      this.#answers.set(name, answer);
      this.#redactions.add(this.task.id, { value: answer, label: SECRET_ANSWER_LABEL });
      w.resolve({ status: "answered_secretly", answer: null, name, characters: answer.length });
      return true;
    }
    // A dismissal may say why (e.g. the task reached its limit of questions): the agent is told.
    w.resolve(status === "answered" ? { status, answer: answer ?? "" } : { status, answer: null, ...(answer ? { note: answer } : {}) });
    return true;
  }

  /** A value to type now: a secret answer held here, or a vault secret the control plane releases for this task. */
  async #secretValue(name: string, use: HostSecretUse = "type_secret"): Promise<SecretValue> {
    const answer = use === "type_secret" ? this.#answers.get(name) : undefined;
    if (answer !== undefined) return { ok: true, value: answer, kind: "text", source: "help_answer" };
    if (name.startsWith("answer:")) {
      return { ok: false, message: `no secret answer named \`${name}\` is held (answers are kept only while the run that asked lasts); ask again with ask_human and secret: true`, available: [...this.#answers.keys()] };
    }
    if (!this.#o.requestSecret) return { ok: false, message: "this host cannot ask the control plane for secrets", available: [...this.#answers.keys()] };
    const r = await this.#o.requestSecret(this.task.id, name, use);
    if (!r.ok) {
      this.#log.warn("a secret was not released", { name, code: r.error.code });
      return { ok: false, message: r.error.message, available: [...r.available, ...this.#answers.keys()] };
    }
    this.#redactions.add(this.task.id, { value: r.value, label: secretLabel(name) });
    this.#log.info(use === "type_secret" ? "secret released for typing" : `secret released for ${use === "shell_env" ? "the shell's environment" : "an MCP server"}`, { name, characters: r.value.length });
    return { ok: true, value: r.value, kind: r.kind, source: "vault" };
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
      askHuman: (question, options, opts) => this.#askHuman(question, options, opts?.secret ?? false),
      secretValue: (name, use) => this.#secretValue(name, use),
      takeFollowUps: () => this.#followUps.splice(0),
      whenInControl: () => this.#whenInControl(),
      ...(this.#o.trajectories ? { trajectories: this.#o.trajectories(this.task.id, this.#abort.signal) } : {}),
      ...(this.#o.memory ? { memory: (request: HostMemoryRequest) => this.#o.memory!(this.task.id, request, this.#abort.signal) } : {}),
      files: this.#o.files,
    };
  }

  #push<K extends HostEventKind>(kind: K, data: HostEventInput<K>): void {
    if (this.#finished || this.#bufferFull) return;
    try {
      // The last line on this side: a value this task holds never leaves in an event.
      const safe = this.#redactions.value(data);
      try {
        this.#o.outbox.push(this.task.id, kind, safe);
      } catch (err) {
        // A label longer than the value it replaced can push text past its limit: withhold the event, never send the value.
        if (!(err instanceof TypeError) || JSON.stringify(safe) === JSON.stringify(data)) throw err;
        this.#o.outbox.push(this.task.id, "log", { level: "warn", message: `a ${kind} event was withheld: it held a secret value and no longer fit its limits once redacted` });
      }
    } catch (err) {
      if (!(err instanceof OutboxFullError)) throw err;
      this.#bufferFull = err;
      this.#log.error("event buffer full: stopping the task", { problem: err.message });
      this.#abort.abort(new DOMException(err.message, "AbortError"));
    }
  }

  /** Waits for a person; rejects with the abort reason when the task is cancelled meanwhile. */
  #askHuman(question: string, options: string[] = [], secret = false): Promise<HelpOutcome> {
    const signal = this.#abort.signal;
    if (signal.aborted) return Promise.reject(signal.reason);
    const requestId = randomUUID();
    const timeoutMs = this.#o.helpTimeoutMs ?? 30 * 60_000;
    // Within the protocol's limits, or the server would log the question instead of asking anyone.
    const choices = options.map((o) => o.trim().slice(0, 200)).filter((o) => o !== "").slice(0, 10);
    this.#push("help_request", {
      requestId, question: question.trim().slice(0, 4000) || "(the agent asked an empty question)", ...(choices.length ? { options: choices } : {}), timeoutMs, ...(secret ? { secret: true } : {}),
    });
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
        secret,
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
