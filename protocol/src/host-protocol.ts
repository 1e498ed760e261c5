import { z } from "zod";
import { DesktopId, EpochMs, TaskId } from "./ids.ts";
import { AssignedTask } from "./task.ts";
import { HostEvent, RefusedEvent } from "./task-events.ts";
import { DesktopInput } from "./desktop-api.ts";
import { DesktopResources } from "./desktop-resources.ts";
import { ReleaseVersion } from "./host-release.ts";
import { HostMemoryRequest, HostMemoryResult } from "./memory.ts";
import { SecretKind, SecretUse } from "./vault.ts";

/**
 * The control channel between a desktop host and its DesktopDO.
 * Bump HOST_PROTOCOL_VERSION on any incompatible change; the server refuses
 * other versions with close code 4400 and a reason that says what to upgrade.
 */
export const HOST_PROTOCOL_VERSION = 1;

export { CloseCode } from "./close-codes.ts";

export const HostCapabilities = z.object({
  screen: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }).nullable(),
  os: z.string().max(100),
  hostVersion: z.string().max(50),
  nodeVersion: z.string().max(50).optional(),
  vnc: z.object({ reachable: z.boolean(), server: z.string().max(200).optional() }),
  tools: z.array(z.string().max(100)).max(50).default([]),
  model: z.string().max(100).optional(),
  /** False on a host that can be watched and driven (live view, screenshots, input, takeover) but not give tasks to. */
  runsTasks: z.boolean().default(true),
  /** Why it runs no tasks, for a person to act on ("no ANTHROPIC_API_KEY on this host; set it and restart deskfleet-host…"). */
  runsTasksReason: z.string().max(300).optional(),
});
export type HostCapabilities = z.infer<typeof HostCapabilities>;
/** What a host sends: fields with a default may be left out (a host older than `runsTasks` leaves it out and means true). */
export type HostCapabilitiesInput = z.input<typeof HostCapabilities>;

export const HelloMessage = z.object({
  type: z.literal("hello"),
  protocolVersion: z.number().int(),
  desktopId: DesktopId,
  capabilities: HostCapabilities,
  /** Tasks the host is still running (after a reconnect), so the server can reconcile. */
  activeTasks: z.array(TaskId).max(16).default([]),
});

/** A sign of life every `heartbeatIntervalMs`; with what the desktop costs the machine, when the host measures it. */
export const HeartbeatMessage = z.object({ type: z.literal("heartbeat"), at: EpochMs, resources: DesktopResources.optional() });

export const EventsMessage = z.object({
  type: z.literal("events"),
  taskId: TaskId,
  events: z.array(HostEvent).min(1).max(500),
});

/** The host's answer to a `desktop_request`; a PNG travels base64-encoded. */
export const DesktopResponseMessage = z.object({
  type: z.literal("desktop_response"),
  requestId: z.string().min(1).max(64),
  result: z.union([
    z.object({ ok: z.literal(true), png: z.base64().max(24 * 1024 * 1024).optional() }),
    z.object({ ok: z.literal(false), error: z.object({ code: z.string().max(100), message: z.string().max(2_000) }) }),
  ]),
});
export type DesktopResponseMessage = z.infer<typeof DesktopResponseMessage>;

/** The running task's agent searches or saves a memory (its memory tools); answered by `memory_response`. */
export const MemoryRequestMessage = z.object({
  type: z.literal("memory_request"),
  requestId: z.string().min(1).max(64),
  taskId: TaskId,
  request: HostMemoryRequest,
});
export type MemoryRequestMessage = z.infer<typeof MemoryRequestMessage>;


/**
 * The agent needs a vault secret's value now, to type it for `taskId`. The
 * control plane answers only for the task this desktop runs, only with a
 * secret in that task's scope, and audits each release.
 */
export const SecretRequestMessage = z.object({
  type: z.literal("secret_request"),
  requestId: z.string().min(1).max(64),
  taskId: TaskId,
  name: z.string().min(1).max(64),
  /** What the value is for (absent: type_secret); the control plane releases it only for a use the task has. */
  use: SecretUse.exclude(["unlock_screen"]).optional(),
});
export type SecretRequestMessage = z.infer<typeof SecretRequestMessage>;


export const HostMessage = z.discriminatedUnion("type", [HelloMessage, HeartbeatMessage, EventsMessage, DesktopResponseMessage, MemoryRequestMessage, SecretRequestMessage]);
export type HostMessage = z.infer<typeof HostMessage>;
/** A host message as a host writes it (fields with defaults may be left out). */
export type HostMessageInput = z.input<typeof HostMessage>;
export type HelloMessage = z.infer<typeof HelloMessage>;
export type HelloMessageInput = z.input<typeof HelloMessage>;
export type EventsMessage = z.infer<typeof EventsMessage>;

export const WelcomeMessage = z.object({
  type: z.literal("welcome"),
  desktopId: DesktopId,
  heartbeatIntervalMs: z.number().int().positive(),
  serverTime: EpochMs,
  /** The host release this control plane serves (`/host/latest.json`); an older host says `deskfleet-host upgrade` would fetch it. */
  hostRelease: ReleaseVersion.optional(),
});

export const AssignMessage = z.object({ type: z.literal("assign"), task: AssignedTask });

export const CancelMessage = z.object({ type: z.literal("cancel"), taskId: TaskId, reason: z.string() });

/**
 * Every host event up to and including `seq` is stored; the host may forget them.
 * `refused` names events whose data broke their kind's schema: each was stored
 * as a warning in its place (so the sequence goes on), never half-parsed.
 */
export const AckMessage = z.object({
  type: z.literal("ack"),
  taskId: TaskId,
  seq: z.number().int().nonnegative(),
  refused: z.array(RefusedEvent).max(500).optional(),
});

/** A follow-up message from a person, delivered into a running task's conversation. */
export const TaskMessageMessage = z.object({
  type: z.literal("task_message"),
  taskId: TaskId,
  message: z.object({ id: z.string(), text: z.string(), at: EpochMs }),
});

/** The answer to a help request (or its timeout / dismissal). */
export const HelpAnswerMessage = z.object({
  type: z.literal("help_answer"),
  taskId: TaskId,
  requestId: z.string(),
  status: z.enum(["answered", "dismissed", "timed_out"]),
  answer: z.string().nullable(),
  /** The answer to a secret question: typed with type_secret, never shown to the model, logged or stored. */
  secret: z.boolean().optional(),
});

export const ServerErrorMessage = z.object({ type: z.literal("error"), code: z.string(), message: z.string() });

/**
 * A viewer wants the live screen: dial `GET /api/hosts/tunnel?tunnel=<tunnelId>&ticket=<ticket>`
 * with the host token, connect to the VNC server, authenticate, and offer the viewer security None.
 * The ticket is single-use and expires with the viewer's pairing timeout.
 */
export const TunnelOpenMessage = z.object({
  type: z.literal("tunnel_open"),
  tunnelId: z.string().regex(/^tun_[A-Za-z0-9_-]{8,64}$/),
  ticket: z.string().min(1).max(200),
});
export type TunnelOpenMessage = z.infer<typeof TunnelOpenMessage>;

/** The API asks the host for a screenshot (`GET /api/desktops/:id/screenshot`) or an input action. */
export const DesktopRequest = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("screenshot"), width: z.number().int().positive().optional() }),
  z.object({ kind: z.literal("input"), input: DesktopInput }),
  /**
   * The supervisor's unlock_screen: type the username (then Tab) if given, the
   * credential, then Return, in one session. The host keeps the value out of
   * every log line and forgets it when done.
   */
  z.object({ kind: z.literal("unlock"), username: z.string().min(1).max(256).optional(), credential: z.string().min(1).max(4_096) }),
]);
export type DesktopRequest = z.infer<typeof DesktopRequest>;
export const DesktopRequestMessage = z.object({ type: z.literal("desktop_request"), requestId: z.string().min(1).max(64), request: DesktopRequest });

/** The answer to a host's `memory_request`. */
export const MemoryResponseMessage = z.object({ type: z.literal("memory_response"), requestId: z.string().min(1).max(64), result: HostMemoryResult });
export type MemoryResponseMessage = z.infer<typeof MemoryResponseMessage>;

/**
 * Stop acting (finish nothing new) until `resume`: a person took over the desktop, the fleet's
 * budget is spent, or an admin paused the fleet.
 */
export const PauseReason = z.enum(["takeover", "budget", "fleet"]);
export type PauseReason = z.infer<typeof PauseReason>;
export const PauseMessage = z.object({ type: z.literal("pause"), taskId: TaskId, reason: PauseReason, by: z.string() });
/** The person handed back: continue, telling the model `note` with a fresh screenshot. */
export const ResumeMessage = z.object({ type: z.literal("resume"), taskId: TaskId, note: z.string() });

/**
 * The answer to a `secret_request`: the value (a TOTP secret's current code,
 * never its seed) or why not, with the names that are in the task's scope.
 */
export const SecretResponseMessage = z.object({
  type: z.literal("secret_response"),
  requestId: z.string().min(1).max(64),
  result: z.union([
    z.object({ ok: z.literal(true), kind: SecretKind, value: z.string().min(1).max(4_096) }),
    z.object({
      ok: z.literal(false),
      error: z.object({ code: z.string().max(100), message: z.string().max(2_000) }),
      available: z.array(z.string().max(64)).max(200).default([]),
    }),
  ]),
});
export type SecretResponseMessage = z.infer<typeof SecretResponseMessage>;

export const ServerMessage = z.discriminatedUnion("type", [
  SecretResponseMessage,
  TunnelOpenMessage,
  DesktopRequestMessage,
  PauseMessage,
  ResumeMessage,
  WelcomeMessage,
  AssignMessage,
  CancelMessage,
  AckMessage,
  TaskMessageMessage,
  HelpAnswerMessage,
  MemoryResponseMessage,
  ServerErrorMessage,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
