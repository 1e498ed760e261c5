import { z } from "zod";
import { EpochMs, TaskId } from "./ids.ts";
import type { TaskSource } from "./task.ts";
import { ProposalId, ProposalStatus } from "./approvals.ts";

/**
 * One supervisor conversation: `dash:<id>` (a dashboard chat), `telegram:<chatId>`
 * (a Telegram chat), `heal:<taskId>` and `learn:<taskId>` (a healer or
 * optimizer task the supervisor executes).
 */
export const ConversationId = z.string().regex(/^(dash|telegram|heal|learn):[A-Za-z0-9_-]{1,100}$/, {
  message: "a conversation id looks like `dash:<id>` (letters, digits, `_` or `-`), `telegram:<chat id>`, `heal:<task id>` or `learn:<task id>`",
});
export type ConversationId = z.infer<typeof ConversationId>;

export type ConversationKind = "dash" | "telegram" | "heal" | "learn";
export const conversationKind = (id: string): ConversationKind => id.slice(0, id.indexOf(":")) as ConversationKind;

/** Tasks the supervisor executes itself: they never enter the desktop queue. */
export const SUPERVISOR_SOURCES: readonly TaskSource[] = ["healer", "optimizer"];
export const runsOnSupervisor = (source: TaskSource): boolean => SUPERVISOR_SOURCES.includes(source);

/** The conversation a healer or optimizer task runs in. */
export const jobConversationId = (task: { id: string; source: TaskSource }): string => `${task.source === "healer" ? "heal" : "learn"}:${task.id}`;

export const SupervisorStatus = z.enum(["idle", "thinking", "waiting_for_task", "waiting_for_human", "finished"]);
export type SupervisorStatus = z.infer<typeof SupervisorStatus>;

/** One entry of a conversation as people see it (the model's own context is kept and trimmed separately). */
export const SupervisorEntry = z.object({
  seq: z.number().int().positive(),
  kind: z.enum(["user", "assistant", "tool_call", "tool_result", "message", "screenshot", "question", "notice", "error", "proposal"]),
  text: z.string(),
  /**
   * Tool name and input for tool_call; tool name and is_error for tool_result; the screenshot's task and name;
   * for proposal, `ProposalEntryData` (one entry when it is made, one when it is decided).
   */
  data: z.record(z.string(), z.unknown()).nullable(),
  at: EpochMs,
});
export type SupervisorEntry = z.infer<typeof SupervisorEntry>;

/** A file a person sent with a message (Telegram: a photo, a document, a voice note's audio is not kept). */
export const EntryAttachment = z.object({
  id: z.string(),
  name: z.string(),
  contentType: z.string(),
  bytes: z.number().int().nonnegative(),
  /** How the supervisor was shown it: as an image, a PDF, its text, or only named. */
  kind: z.enum(["image", "pdf", "text", "file"]),
  /** The authenticated route that serves it (never the chat platform's own file URL). */
  url: z.string(),
});
export type EntryAttachment = z.infer<typeof EntryAttachment>;

/** `data` of a `user` entry: who wrote, from which channel, whether it corrects an earlier message, its files. */
export const UserEntryData = z.object({
  by: z.string(),
  channel: z.string().optional(),
  edited: z.boolean().optional(),
  attachments: z.array(EntryAttachment).optional(),
});
export type UserEntryData = z.infer<typeof UserEntryData>;

/** `data` of a `proposal` entry. */
export const ProposalEntryData = z.object({
  proposalId: ProposalId,
  status: ProposalStatus,
  tool: z.string(),
  summary: z.string(),
  toolUseId: z.string().nullable(),
  expiresAt: EpochMs,
  decidedBy: z.string().nullable(),
  result: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type ProposalEntryData = z.infer<typeof ProposalEntryData>;

export const SupervisorConversation = z.object({
  id: ConversationId,
  status: SupervisorStatus,
  /** The healer or optimizer task this conversation executes, if any. */
  taskId: TaskId.nullable(),
  entries: z.array(SupervisorEntry),
  /** Pass as `after` to page on; null when there is nothing more. */
  nextAfter: z.number().int().nullable(),
});
export type SupervisorConversation = z.infer<typeof SupervisorConversation>;

export const SupervisorMessageBody = z.strictObject({ text: z.string().trim().min(1, { message: "text must not be empty" }).max(20_000) });
export const SupervisorTranscriptQuery = z.strictObject({
  after: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

/** Messages on a conversation's live feed (`GET /api/supervisor/conversations/:id/live`). */
export const SupervisorFeedMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("entry"), entry: SupervisorEntry }),
  z.object({ type: z.literal("status"), status: SupervisorStatus, at: EpochMs }),
  z.object({ type: z.literal("hello"), status: SupervisorStatus, lastSeq: z.number().int().nonnegative(), at: EpochMs }),
]);
export type SupervisorFeedMessage = z.infer<typeof SupervisorFeedMessage>;
