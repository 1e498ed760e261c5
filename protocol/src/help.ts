import { z } from "zod";
import { EpochMs, TaskId } from "./ids.ts";

/** `data` of a host's `help_request` event: the agent asks a person and waits. */
export const HelpRequestEventData = z.object({
  requestId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, { message: "requestId is 8-64 letters, digits, `_` or `-`" }),
  question: z.string().min(1).max(4000),
  options: z.array(z.string().min(1).max(200)).max(10).optional(),
  /** How long the agent waits before proceeding on its own; bounded by the server. */
  timeoutMs: z.number().int().positive().optional(),
  /**
   * The answer is a secret (a code sent to a phone): it goes to the host for
   * this task only, is stored as `[secret answer]`, and is never echoed.
   */
  secret: z.boolean().optional(),
});
export type HelpRequestEventData = z.infer<typeof HelpRequestEventData>;

export const HelpRequestStatus = z.enum(["open", "answered", "dismissed", "timed_out"]);
export type HelpRequestStatus = z.infer<typeof HelpRequestStatus>;

export const HelpChannel = z.enum(["dashboard", "api", "telegram", "supervisor", "system"]);
export type HelpChannel = z.infer<typeof HelpChannel>;

export const HelpRequest = z.object({
  id: z.string(),
  taskId: TaskId,
  desktopId: z.string().nullable(),
  question: z.string(),
  options: z.array(z.string()).nullable(),
  /** A secret question: its answer is never shown after it is sent (`answer` reads `[secret answer]`). */
  secret: z.boolean(),
  status: HelpRequestStatus,
  answer: z.string().nullable(),
  answeredBy: z.string().nullable(),
  answeredVia: z.string().nullable(),
  /** The latest screenshot of the task when the question was asked (`/api/tasks/:id/screenshots/:name`). */
  screenshotKey: z.string().nullable(),
  createdAt: EpochMs,
  expiresAt: EpochMs,
  resolvedAt: EpochMs.nullable(),
});
export type HelpRequest = z.infer<typeof HelpRequest>;

export const RespondHelpBody = z.strictObject({ answer: z.string().trim().min(1).max(4000) });
export const ListHelpQuery = z.strictObject({
  status: HelpRequestStatus.optional(),
  taskId: TaskId.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
