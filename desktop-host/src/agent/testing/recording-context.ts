import type { AssignedTask, HostEventInput, HostMemoryRequest, HostMemoryResult, TaskFile } from "@deskfleet/protocol";
import { parseEventData } from "@deskfleet/protocol";
import type { FollowUp, HelpOutcome, HostSecretUse, RunnerEventKind, SecretValue, TaskContext, TaskFiles } from "../../task-runner.ts";

// TEST SUPPORT ONLY: a TaskContext that records what a runner reports, as the
// host runtime would receive it (checked against the protocol's schema for its
// kind, as the runtime's outbox checks it), with scripted help answers and follow-ups.

export type RecordedEvent = { kind: string; data: Record<string, unknown> };

export class RecordingContext implements TaskContext {
  readonly task: AssignedTask;
  readonly events: RecordedEvent[] = [];
  readonly uploads: Uint8Array[] = [];
  readonly questions: { question: string; options?: string[]; secret?: boolean }[] = [];
  /** Values secretValue hands out, by name (the control plane's vault, in a test). */
  readonly secrets = new Map<string, string>();
  /** Names asked for with secretValue, in order. */
  readonly secretRequests: string[] = [];
  /** What each of those was asked for (type_secret, shell_env, mcp_server), in the same order. */
  readonly secretUses: HostSecretUse[] = [];
  readonly controller = new AbortController();
  readonly #followUps: FollowUp[] = [];
  readonly memoryRequests: HostMemoryRequest[] = [];
  /** Set to give the runner memory tools: how the control plane answers them. */
  memory?: (request: HostMemoryRequest) => Promise<HostMemoryResult>;
  /** The task's files, as the control plane would hold them: attach with `attach`, read artifacts from here. */
  readonly stored: { file: TaskFile; bytes: Uint8Array }[] = [];
  readonly files: TaskFiles = {
    list: async () => this.stored.map((s) => s.file),
    download: async (id) => {
      const found = this.stored.find((s) => s.file.id === id);
      if (!found) throw new Error(`no file ${id}`);
      return found.bytes;
    },
    upload: async (name, bytes, contentType) => this.#store("artifact", name, bytes, contentType, `host:test`),
  };
  /** How ask_human is answered; default: a timeout. */
  answer: (question: string, options?: string[]) => Promise<HelpOutcome> = async () => ({ status: "timed_out", answer: null });

  constructor(task: Partial<AssignedTask> & { prompt: string }, memory?: (request: HostMemoryRequest) => Promise<HostMemoryResult>) {
    this.task = { id: "task_test", options: {}, followUps: [], resume: false, nextSeq: 1, secrets: [], ...task };
    if (memory) {
      this.memory = (request) => {
        this.memoryRequests.push(request);
        return memory(request);
      };
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  emit<K extends RunnerEventKind>(kind: K, data: HostEventInput<K>): void {
    const checked = parseEventData(kind, data);
    if (!checked.ok) throw new TypeError(`event ${kind} cannot be sent: ${checked.reason}`);
    this.events.push({ kind, data: checked.data as Record<string, unknown> });
  }

  async uploadScreenshot(png: Uint8Array): Promise<string> {
    this.uploads.push(png);
    return `screenshots/${this.task.id}/${this.uploads.length}.png`;
  }

  askHuman(question: string, options?: string[], opts?: { secret?: boolean }): Promise<HelpOutcome> {
    this.questions.push({ question, ...(options ? { options } : {}), ...(opts?.secret ? { secret: true } : {}) });
    return this.answer(question, options);
  }

  async secretValue(name: string, use: HostSecretUse = "type_secret"): Promise<SecretValue> {
    this.secretRequests.push(name);
    this.secretUses.push(use);
    const value = this.secrets.get(name);
    if (value === undefined) return { ok: false, message: `no secret named \`${name}\` is available here`, available: [...this.secrets.keys()] };
    return { ok: true, value, kind: name.startsWith("answer:") ? "text" : "password", source: name.startsWith("answer:") ? "help_answer" : "vault" };
  }

  takeFollowUps(): FollowUp[] {
    return this.#followUps.splice(0);
  }

  #takenOver: Promise<string> | null = null;
  #handBack: (note: string) => void = () => undefined;
  #note: string | null = null;

  async whenInControl(): Promise<{ handedBack: string | null }> {
    if (this.#takenOver) await this.#takenOver;
    const handedBack = this.#note;
    this.#note = null;
    return { handedBack };
  }

  /** A person takes over the desktop, as the control plane's `pause` does. */
  takeOver(): void {
    this.#takenOver = new Promise((resolve) => (this.#handBack = resolve));
  }

  /** …and hands it back with a note (`resume`). */
  handBack(note: string): void {
    this.#note = note;
    this.#takenOver = null;
    this.#handBack(note);
  }

  /** Queue a follow-up message, as if a user sent it while the task ran. */
  sendFollowUp(text: string): void {
    this.#followUps.push({ id: `fu_${this.#followUps.length + 1}`, text, at: Date.now() });
  }

  /** A file attached to the task before it starts, as `POST /api/tasks/:id/files` stores it. */
  attach(name: string, content: string | Uint8Array, contentType = "text/plain"): TaskFile {
    return this.#store("attachment", name, typeof content === "string" ? new TextEncoder().encode(content) : content, contentType, "tester");
  }

  #store(kind: TaskFile["kind"], name: string, bytes: Uint8Array, contentType: string, by: string): TaskFile {
    const file: TaskFile = { id: `fil_${String(this.stored.length + 1).padStart(10, "0")}`, taskId: this.task.id, kind, name, contentType, bytes: bytes.length, by, createdAt: Date.now() };
    this.stored.push({ file, bytes });
    return file;
  }

  of(kind: string): Record<string, unknown>[] {
    return this.events.filter((e) => e.kind === kind).map((e) => e.data);
  }
}
