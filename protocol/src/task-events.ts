import { z } from "zod";
import { EpochMs } from "./ids.ts";
import { TaskUsage } from "./task.ts";

/**
 * Kinds of event in a task's log. Host events come from the computer-use loop;
 * server events are written by TaskDO itself (status changes, follow-ups, answers).
 */
export const HOST_EVENT_KINDS = [
  "started",
  "assistant_text",
  "action",
  "action_result",
  "screenshot",
  "usage",
  "help_request",
  "log",
  "completed",
  "failed",
] as const;
export const HostEventKind = z.enum(HOST_EVENT_KINDS);
export type HostEventKind = z.infer<typeof HostEventKind>;

export const SERVER_EVENT_KINDS = ["status", "user_message", "help_answer", "cancel_requested", "note"] as const;
export const ServerEventKind = z.enum(SERVER_EVENT_KINDS);
export type ServerEventKind = z.infer<typeof ServerEventKind>;

export const EventKind = z.enum([...HOST_EVENT_KINDS, ...SERVER_EVENT_KINDS]);
export type EventKind = z.infer<typeof EventKind>;

const MAX_EVENT_DATA_BYTES = 64 * 1024;

/** One event as the host sends it: `seq` is the host's per-task sequence number, from 1. */
export const HostEvent = z
  .object({
    seq: z.number().int().positive(),
    kind: HostEventKind,
    at: EpochMs,
    data: z.record(z.string(), z.unknown()).default({}),
  })
  .refine((e) => JSON.stringify(e.data).length <= MAX_EVENT_DATA_BYTES, {
    message: `event data must be at most ${MAX_EVENT_DATA_BYTES} bytes of JSON; upload screenshots separately`,
  });
export type HostEvent = z.infer<typeof HostEvent>;

/** Payload of the final `completed` / `failed` host events. */
export const FinalEventData = z.object({
  result: z.string().max(100_000).optional(),
  error: z.object({ code: z.string().max(100), message: z.string().max(10_000) }).optional(),
  usage: TaskUsage.partial().optional(),
});

/** One stored event, as the API and watchers see it. */
export const TaskEvent = z.object({
  taskId: z.string(),
  seq: z.number().int().positive(),
  kind: EventKind,
  source: z.enum(["host", "server"]),
  hostSeq: z.number().int().positive().nullable(),
  data: z.record(z.string(), z.unknown()),
  at: EpochMs,
});
export type TaskEvent = z.infer<typeof TaskEvent>;
