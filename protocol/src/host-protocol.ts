import { z } from "zod";
import { DesktopId, EpochMs, TaskId } from "./ids.ts";
import { AssignedTask } from "./task.ts";
import { HostEvent } from "./task-events.ts";

/**
 * The control channel between a desktop host and its DesktopDO.
 * Bump HOST_PROTOCOL_VERSION on any incompatible change; the server refuses
 * other versions with close code 4400 and a reason that says what to upgrade.
 */
export const HOST_PROTOCOL_VERSION = 1;

/** WebSocket close codes of ours (4xxx), shared by host and server. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  internal: 1011,
  badVersion: 4400,
  badToken: 4401,
  wrongDesktop: 4403,
  replaced: 4409,
  heartbeatTimeout: 4408,
  badMessage: 4422,
  desktopDeleted: 4410,
} as const;

export const HostCapabilities = z.object({
  screen: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }).nullable(),
  os: z.string().max(100),
  hostVersion: z.string().max(50),
  nodeVersion: z.string().max(50).optional(),
  vnc: z.object({ reachable: z.boolean(), server: z.string().max(200).optional() }),
  tools: z.array(z.string().max(100)).max(50).default([]),
  model: z.string().max(100).optional(),
});
export type HostCapabilities = z.infer<typeof HostCapabilities>;

export const HelloMessage = z.object({
  type: z.literal("hello"),
  protocolVersion: z.number().int(),
  desktopId: DesktopId,
  capabilities: HostCapabilities,
  /** Tasks the host is still running (after a reconnect), so the server can reconcile. */
  activeTasks: z.array(TaskId).max(16).default([]),
});

export const HeartbeatMessage = z.object({ type: z.literal("heartbeat"), at: EpochMs });

export const EventsMessage = z.object({
  type: z.literal("events"),
  taskId: TaskId,
  events: z.array(HostEvent).min(1).max(500),
});

export const HostMessage = z.discriminatedUnion("type", [HelloMessage, HeartbeatMessage, EventsMessage]);
export type HostMessage = z.infer<typeof HostMessage>;
export type HelloMessage = z.infer<typeof HelloMessage>;
export type EventsMessage = z.infer<typeof EventsMessage>;

export const WelcomeMessage = z.object({
  type: z.literal("welcome"),
  desktopId: DesktopId,
  heartbeatIntervalMs: z.number().int().positive(),
  serverTime: EpochMs,
});

export const AssignMessage = z.object({ type: z.literal("assign"), task: AssignedTask });

export const CancelMessage = z.object({ type: z.literal("cancel"), taskId: TaskId, reason: z.string() });

/** Every host event up to and including `seq` is stored; the host may forget them. */
export const AckMessage = z.object({ type: z.literal("ack"), taskId: TaskId, seq: z.number().int().nonnegative() });

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
});

export const ServerErrorMessage = z.object({ type: z.literal("error"), code: z.string(), message: z.string() });

export const ServerMessage = z.discriminatedUnion("type", [
  WelcomeMessage,
  AssignMessage,
  CancelMessage,
  AckMessage,
  TaskMessageMessage,
  HelpAnswerMessage,
  ServerErrorMessage,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
