import { randomUUID } from "node:crypto";
import type { AssignedTask, DesktopRequest, DesktopResources, HostCapabilitiesInput, SecretResponseMessage } from "@deskfleet/protocol";
import { encodeHostMessage, HOST_PROTOCOL_VERSION } from "@deskfleet/protocol";
import { releaseNotice } from "./release-notice.ts";
import type { BackoffOptions } from "../control/backoff.ts";
import { ControlChannel, type TaskServerMessage } from "../control/control-channel.ts";
import { Outbox, type OutboxOptions } from "../control/outbox.ts";
import { ExitCode } from "../exit-codes.ts";
import type { HostSecretUse, TaskRunner } from "../task-runner.ts";
import type { Logger } from "./logger.ts";
import { uploadScreenshot } from "./screenshot-upload.ts";
import { trajectoryStore } from "../replay/trajectory-client.ts";
import { taskFilesClient } from "./task-files.ts";
import { TaskSession } from "./task-session.ts";
import { MemoryRequests } from "./memory-requests.ts";
import { SecretRedactions } from "./secret-redactions.ts";
import type { LiveDesktop } from "../tunnel/live-desktop.ts";

export type HostRuntimeOptions = {
  server: string;
  desktopId: string;
  token: string;
  runner: TaskRunner;
  /** What the host says about itself in each hello (screen size, VNC reachability…). */
  capabilities: () => Promise<HostCapabilitiesInput>;
  /** What the desktop costs the machine now, sent with each heartbeat (desktop-host/src/resources/). */
  resources?: () => DesktopResources | undefined;
  logger: Logger;
  outbox?: Omit<OutboxOptions, "now" | "defer">;
  backoff?: BackoffOptions;
  helpTimeoutMs?: number;
  cancelGraceMs?: number;
  /** How often unacked events are checked for a lost batch. Default 5 s. */
  retransmitCheckMs?: number;
  userAgent?: string;
  /** This host's release: compared once with the one the control plane serves (welcome.hostRelease). */
  release?: string;
  /** Live desktops: viewer tunnels and the API's screenshots and input (desktop-host/src/tunnel/live-desktop.ts). */
  live?: LiveDesktop;
  /** Shared with the logger, so secret values the host holds never reach a log line. */
  redactions?: SecretRedactions;
  /** How long a secret request waits for the control plane. Default 15 s. */
  secretTimeoutMs?: number;
};

type SecretResult = SecretResponseMessage["result"];

/**
 * How the host ended: exit code 0 after a requested stop, REFUSED_EXIT_CODE
 * after a refusal a person must fix (a service manager must not restart it).
 */
export type HostExit = { code: number; message: string };

/**
 * The desktop host: one control channel, one outbox, and at most one task
 * session at a time. Tasks keep running while the control plane is away;
 * their events wait in the outbox.
 */
export class HostRuntime {
  readonly exited: Promise<HostExit>;
  readonly #o: HostRuntimeOptions;
  readonly #channel: ControlChannel;
  readonly #outbox: Outbox;
  readonly #memory: MemoryRequests;
  #session: TaskSession | null = null;
  /** Serializes sessions: a new task starts only after the previous one recorded its final event. */
  #queue: Promise<unknown> = Promise.resolve();
  #retransmit: ReturnType<typeof setInterval> | null = null;
  #resolveExit!: (e: HostExit) => void;
  #releaseNoted = false;
  readonly #redactions: SecretRedactions;
  readonly #secretRequests = new Map<string, { resolve: (r: SecretResult) => void; timer: ReturnType<typeof setTimeout> }>();

  constructor(options: HostRuntimeOptions) {
    this.#o = options;
    this.#redactions = options.redactions ?? new SecretRedactions();
    this.exited = new Promise((resolve) => (this.#resolveExit = resolve));
    this.#channel = new ControlChannel({
      server: options.server,
      desktopId: options.desktopId,
      token: options.token,
      logger: options.logger,
      backoff: options.backoff,
      userAgent: options.userAgent,
      hello: async () => ({
        protocolVersion: HOST_PROTOCOL_VERSION,
        desktopId: options.desktopId,
        capabilities: await options.capabilities(),
        activeTasks: this.activeTaskIds(),
      }),
      onWelcome: (welcome) => {
        this.#noteRelease(welcome.hostRelease);
        this.#outbox.resendAll();
      },
      onMessage: (m) => this.#onMessage(m),
      ...(options.resources ? { resources: options.resources } : {}),
    });
    this.#outbox = new Outbox((json) => this.#channel.send(json), options.outbox);
    this.#memory = new MemoryRequests((json) => this.#channel.send(json));
    void this.#channel.ended.then((end) => {
      if (end.kind === "stopped") return;
      const message = `${end.summary} (close code ${end.code})${end.reason ? `: ${end.reason.replace(/[\s.…]+$/, "")}` : ""}. ${end.advice}`;
      this.#o.logger.error(message);
      this.#session?.cancel("the host is stopping: " + end.summary);
      this.#finish({ code: ExitCode.refused, message });
    });
  }

  start(): void {
    this.#o.logger.info("deskfleet host starting", { desktop: this.#o.desktopId, server: this.#o.server });
    this.#retransmit = setInterval(() => this.#outbox.retransmitStale(), this.#o.retransmitCheckMs ?? 5_000);
    this.#channel.start();
  }

  /** Tasks running here or with events not yet stored: the server must not think they were lost. */
  activeTaskIds(): string[] {
    const ids = new Set(this.#outbox.unackedTaskIds());
    if (this.#session) ids.add(this.#session.id);
    return [...ids].slice(0, 16);
  }

  get currentTaskId(): string | null {
    return this.#session?.id ?? null;
  }

  /**
   * Stops the host: cancels a running task, waits up to `drainMs` for its
   * events to be stored, then closes the control socket.
   */
  async stop(reason = "host stopping", drainMs = 5_000): Promise<HostExit> {
    const session = this.#session;
    if (session) {
      session.cancel(reason);
      await Promise.race([this.#queue, delay(drainMs)]);
    }
    const pending = this.activeTaskIds().map((id) => this.#outbox.whenStored(id));
    if (pending.length > 0) await Promise.race([Promise.all(pending), delay(drainMs)]);
    this.#channel.stop(reason);
    this.#finish({ code: 0, message: reason });
    return this.exited;
  }

  /** Once per run: a person reading the log learns that `deskfleet-host upgrade` has something to install. */
  #noteRelease(served: string | undefined): void {
    const notice = this.#o.release && served ? releaseNotice(this.#o.release, served) : null;
    if (!notice || this.#releaseNoted) return;
    this.#releaseNoted = true;
    this.#o.logger.warn(notice);
  }

  #finish(exit: HostExit): void {
    if (this.#retransmit) clearInterval(this.#retransmit);
    this.#retransmit = null;
    this.#resolveExit(exit);
  }

  #onMessage(m: TaskServerMessage): void {
    const log = this.#o.logger;
    switch (m.type) {
      case "assign":
        return this.#assign(m.task);
      case "ack":
        // A refused event is a bug of ours (the host emits only what the protocol allows): say so loudly.
        for (const r of m.refused ?? []) log.error("the control plane refused an event; it stored a warning in its place", { taskId: m.taskId, seq: r.seq, reason: r.reason });
        return this.#outbox.ack(m.taskId, m.seq);
      case "cancel":
        if (this.#session?.id === m.taskId) this.#session.cancel(m.reason);
        else log.debug("cancel for a task not running here", { taskId: m.taskId });
        return;
      case "task_message":
        if (this.#session?.id === m.taskId) this.#session.addFollowUp(m.message);
        else log.warn("follow-up for a task not running here was dropped", { taskId: m.taskId });
        return;
      case "help_answer":
        if (this.#session?.id !== m.taskId || !this.#session.answerHelp(m.requestId, m.status, m.answer, m.secret ?? false)) {
          log.warn("help answer for no open request", { taskId: m.taskId, requestId: m.requestId });
        }
        return;
      case "memory_response":
        if (!this.#memory.settle(m.requestId, m.result)) log.debug("memory answer for no waiting request", { requestId: m.requestId });
        return;
      case "error":
        return;
      case "secret_response": {
        const waiting = this.#secretRequests.get(m.requestId);
        if (!waiting) return;
        this.#secretRequests.delete(m.requestId);
        clearTimeout(waiting.timer);
        waiting.resolve(m.result);
        return;
      }
      case "desktop_request":
        if (this.#o.live) {
          const requestId = m.requestId;
          void this.#desktopRequest(requestId, m.request).then((result) => this.#channel.send(encodeHostMessage({ type: "desktop_response", requestId, result })));
          return;
        }
        // Not served by this host: answer at once so the API call fails fast instead of timing out.
        this.#channel.send(
          encodeHostMessage({
            type: "desktop_response",
            requestId: m.requestId,
            result: { ok: false, error: { code: "unsupported", message: `deskfleet-host ${this.#o.userAgent ?? ""} does not serve ${m.request.kind} requests yet`.replace("  ", " ") } },
          }),
        );
        return;
      case "tunnel_open":
        if (this.#o.live) return this.#o.live.openTunnel(m);
        log.warn("a viewer asked for a tunnel, but this host serves no live view");
        return;
      case "pause":
        if (this.#session?.id === m.taskId) this.#session.pause(m.by, m.reason);
        return;
      case "resume":
        if (this.#session?.id === m.taskId) this.#session.resume(m.note);
        return;
    }
  }

  /** An API request for the live desktop; an unlock's credential is kept out of every log line while it is typed. */
  async #desktopRequest(requestId: string, request: DesktopRequest) {
    const owner = `unlock:${requestId}`;
    if (request.kind === "unlock") this.#redactions.add(owner, { value: request.credential, label: "[secret:unlock]" });
    try {
      return await this.#o.live!.desktopRequest(request);
    } finally {
      this.#redactions.forget(owner);
    }
  }

  /** Asks the control plane for a vault secret's value for the running task. Never rejects. */
  #requestSecret(taskId: string, name: string, use: HostSecretUse = "type_secret"): Promise<SecretResult> {
    const requestId = randomUUID();
    const timeoutMs = this.#o.secretTimeoutMs ?? 15_000;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#secretRequests.delete(requestId);
        resolve({ ok: false, error: { code: "timeout", message: `the control plane did not answer within ${timeoutMs / 1000} s; try again` }, available: [] });
      }, timeoutMs);
      this.#secretRequests.set(requestId, { resolve, timer });
      if (!this.#channel.send(encodeHostMessage({ type: "secret_request", requestId, taskId, name, ...(use !== "type_secret" ? { use } : {}) }))) {
        clearTimeout(timer);
        this.#secretRequests.delete(requestId);
        resolve({ ok: false, error: { code: "offline", message: "the control plane is not reachable right now; try again in a moment" }, available: [] });
      }
    });
  }

  #assign(task: AssignedTask): void {
    const log = this.#o.logger;
    if (this.#session?.id === task.id) {
      // Sent again while it runs (e.g. after a reconnect): keep going, take any new follow-ups.
      for (const f of task.followUps) this.#session.addFollowUp(f);
      log.debug("task already running here", { taskId: task.id });
      return;
    }
    log.info("task assigned", { taskId: task.id, resume: task.resume });
    this.#queue = this.#queue.then(async () => {
      const session = new TaskSession({
        task,
        runner: this.#o.runner,
        outbox: this.#outbox,
        logger: log,
        helpTimeoutMs: this.#o.helpTimeoutMs,
        cancelGraceMs: this.#o.cancelGraceMs,
        memory: (taskId, request, signal) => this.#memory.ask(taskId, request, signal),
        requestSecret: (taskId, name, use) => this.#requestSecret(taskId, name, use),
        redactions: this.#redactions,
        upload: (taskId, png, signal) => uploadScreenshot({ server: this.#o.server, token: this.#o.token, logger: log, backoff: this.#o.backoff }, taskId, png, signal),
        trajectories: (taskId, signal) => trajectoryStore({ server: this.#o.server, token: this.#o.token }, taskId, signal),
        files: taskFilesClient({ server: this.#o.server, token: this.#o.token, logger: log }, task.id),
      });
      this.#session = session;
      try {
        await session.run();
      } finally {
        if (this.#session === session) this.#session = null;
      }
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
