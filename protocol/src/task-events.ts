import { z } from "zod";
import { MAX_ENV_VARS } from "./shell-env.ts";
import { EpochMs } from "./ids.ts";
import { HelpRequestEventData, HelpRequestStatus } from "./help.ts";
import { TaskError, TaskStatus, TaskUsage } from "./task.ts";
import { ReplaySummary } from "./trajectories.ts";

/**
 * Every kind of event in a task's log, one schema per kind. Host events come
 * from the computer-use loop (the host's `emit` is typed by these schemas);
 * server events are written by TaskDO. Readers — the dashboard, usage
 * accounting, full-text indexing, the supervisor — take these types and
 * never guess field names. The limits below are the ones the host truncates
 * to before it emits; TaskDO refuses an event that breaks them.
 */

/** Most JSON bytes one event's `data` may hold; screenshots travel separately. */
export const MAX_EVENT_DATA_BYTES = 64 * 1024;
/** The model's words in one `assistant_text` event. */
export const MAX_ASSISTANT_TEXT_CHARS = 50_000;
/** The final result of a task (`completed`). */
export const MAX_RESULT_CHARS = 50_000;
/** Text an action types (and modifiers held during a click). */
export const MAX_ACTION_TEXT_CHARS = 10_000;
/** The one-line summary of an action's result. */
export const MAX_SUMMARY_CHARS = 500;
/** A log line, a note, an error message. */
export const MAX_MESSAGE_CHARS = 10_000;
/** An error code. */
export const MAX_CODE_CHARS = 100;

/** A shell command's output as stored with its `command` event: head and tail kept, the middle elided with a count. */
export const MAX_COMMAND_OUTPUT_CHARS = 16_000;
/** A command, a path or a URL in a tool event. */
export const MAX_TOOL_TEXT_CHARS = 10_000;

/** Text within a limit, marked where it was cut: how the host keeps to the limits above. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 14)}… [truncated]`;
}

const Step = z.number().int().nonnegative();
const Coordinate = z.tuple([z.number(), z.number()]);
const Message = z.string().max(MAX_MESSAGE_CHARS);
const FinalError = z.object({ code: z.string().min(1).max(MAX_CODE_CHARS), message: Message });

/**
 * What an action was asked to do, in the model's screenshot coordinates.
 * The host keeps these fields of the model's input (each only when valid)
 * and drops anything else.
 */
export const ActionInput = z.object({
  coordinate: Coordinate.optional(),
  start_coordinate: Coordinate.optional(),
  /** Typed text, a key combo, or the modifiers held during a click or scroll. */
  text: z.string().max(MAX_ACTION_TEXT_CHARS).optional(),
  repeat: z.number().int().positive().optional(),
  scroll_direction: z.enum(["up", "down", "left", "right"]).optional(),
  scroll_amount: z.number().nonnegative().optional(),
  /** Seconds (hold_key, wait). */
  duration: z.number().nonnegative().optional(),
  region: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
  /** ask_human */
  question: z.string().max(4_000).optional(),
  options: z.array(z.string().max(200)).max(10).optional(),
  /** ask_human: the answer is secret (typed with type_secret, never shown to the model). */
  secret: z.boolean().optional(),
  /** type_secret: the secret's name (never its value) and the field it was typed into. */
  name: z.string().max(64).optional(),
  field: z.string().max(200).optional(),
});
export type ActionInput = z.infer<typeof ActionInput>;

export const HostEventData = {
  started: z.object({ resume: z.boolean() }),
  assistant_text: z.object({ text: z.string().min(1).max(MAX_ASSISTANT_TEXT_CHARS), step: Step }),
  action: z.object({
    /** The computer action (`left_click`, `type`, `scroll`, …) or tool (`ask_human`). */
    name: z.string().min(1).max(64),
    input: ActionInput,
    step: Step,
    /** Why the host acted without the model asking: `startUrl` opens the task's start page. */
    reason: z.literal("startUrl").optional(),
    /** Fields of the model's input that were not valid and were left out of `input`. */
    dropped: z.array(z.string().max(64)).max(20).optional(),
    /** Set when the action came from a recorded trajectory (`replayed`, or `moved` to where its target is now) or from the model repairing a replay (`repaired`). */
    replay: z.enum(["replayed", "moved", "repaired"]).optional(),
    /** For `moved`: how far the target moved from the recording, in screen pixels. */
    moved: z.object({ dx: z.number().int(), dy: z.number().int() }).optional(),
  }),
  action_result: z.object({ ok: z.boolean(), summary: z.string().max(MAX_SUMMARY_CHARS), error: z.string().max(MAX_SUMMARY_CHARS).optional(), step: Step }),
  screenshot: z.object({ key: z.string().min(1).max(300), width: z.number().int().nonnegative(), height: z.number().int().nonnegative(), step: Step }),
  /** One model call: its tokens and cost. */
  usage: TaskUsage.extend({ step: Step, model: z.string().max(100) }),
  help_request: HelpRequestEventData,
  /** The agent typed a secret into the desktop: which one and how long, never the value. */
  secret_typed: z.object({
    /** A vault secret's name, or `answer:N` for the Nth secret help answer of the task. */
    name: z.string().min(1).max(64),
    source: z.enum(["vault", "help_answer"]),
    characters: z.number().int().nonnegative(),
    field: z.string().max(200).optional(),
    step: Step,
  }),
  log: z.object({ level: z.enum(["debug", "info", "warn", "error"]), message: Message }),
  /** A run that had a recorded trajectory: how much was replayed without the model (trajectories.ts). */
  replay: ReplaySummary,
  /** A shell command the host ran (the bash tool, or a task's `command`): what, how it ended, how long, how much output. */
  command: z.object({
    step: Step,
    command: z.string().max(MAX_TOOL_TEXT_CHARS),
    /** Null when it did not exit on its own (timed out, cancelled, the shell restarted). */
    exitCode: z.number().int().nullable(),
    durationMs: z.number().int().nonnegative(),
    /** Every byte it printed, before capping. */
    outputBytes: z.number().int().nonnegative(),
    /** Its output capped to MAX_COMMAND_OUTPUT_CHARS (head and tail), secrets redacted. */
    output: z.string().max(MAX_COMMAND_OUTPUT_CHARS),
    ending: z.enum(["exited", "timed_out", "cancelled", "restarted"]),
    /** The vault variables the shell held when it ran (names only, never values). */
    env: z.array(z.string().max(64)).max(MAX_ENV_VARS).optional(),
  }),
  /** A file the agent wrote on the desktop (text editor `create`, `str_replace`, `insert`). */
  file_write: z.object({
    step: Step,
    op: z.enum(["create", "str_replace", "insert"]),
    path: z.string().max(MAX_TOOL_TEXT_CHARS),
    /** The file's size after the write. */
    bytes: z.number().int().nonnegative(),
  }),
  /** A file moved between the control plane and the desktop: an attachment downloaded (`in`) or an artifact sent (`out`). */
  file_transfer: z.object({
    step: Step,
    direction: z.enum(["in", "out"]),
    name: z.string().max(200),
    path: z.string().max(MAX_TOOL_TEXT_CHARS),
    bytes: z.number().int().nonnegative(),
    fileId: z.string().max(64).optional(),
  }),
  /** One use of the browser tool (over CDP): what it did, on which tab, and where the tab ended up. */
  browser: z.object({
    step: Step,
    op: z.string().min(1).max(40),
    /** The tab's index in the list, its URL and title after the operation. */
    tab: z.object({ index: z.number().int().nonnegative(), url: z.string().max(MAX_TOOL_TEXT_CHARS), title: z.string().max(500) }).nullable(),
    /** What it was asked to open, click or fill (a URL, a selector, `role "name"`). */
    target: z.string().max(MAX_TOOL_TEXT_CHARS).optional(),
    ok: z.boolean(),
    bytes: z.number().int().nonnegative(),
  }),
  /** A page fetched from the desktop's network. */
  web_fetch: z.object({
    step: Step,
    url: z.string().max(MAX_TOOL_TEXT_CHARS),
    status: z.number().int().nullable(),
    bytes: z.number().int().nonnegative(),
    durationMs: z.number().int().nonnegative(),
    ok: z.boolean(),
    error: z.string().max(MAX_SUMMARY_CHARS).optional(),
  }),
  /** A call of a tool of an MCP server the host connects to. */
  mcp_call: z.object({
    step: Step,
    server: z.string().max(64),
    tool: z.string().max(128),
    ok: z.boolean(),
    durationMs: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
  }),
  completed: z.object({ result: z.string().max(MAX_RESULT_CHARS), usage: TaskUsage.partial().optional() }),
  failed: z.object({ error: FinalError, usage: TaskUsage.partial().optional() }),
} as const;

export const ServerEventData = {
  status: z.object({
    status: TaskStatus,
    previous: TaskStatus.optional(),
    /** Why, when it is not the plain next step: `takeover`, `handback`, `follow-up`, `host unavailable`. */
    reason: z.string().max(300).optional(),
    by: z.string().max(200).optional(),
    desktopId: z.string().max(100).optional(),
    error: TaskError.optional(),
    executor: z.literal("supervisor").optional(),
  }),
  user_message: z.object({ id: z.string(), text: z.string(), at: EpochMs, by: z.string() }),
  help_answer: z.object({
    requestId: z.string(),
    status: HelpRequestStatus,
    answer: z.string().nullable(),
    by: z.string().nullable(),
    via: z.string().nullable(),
  }),
  cancel_requested: z.object({ by: z.string(), reason: z.string().nullable() }),
  note: z.object({ text: z.string().max(MAX_MESSAGE_CHARS), by: z.string().max(200), reason: z.string().max(100).optional() }),
} as const;

export type HostEventKind = keyof typeof HostEventData;
export type ServerEventKind = keyof typeof ServerEventData;
export type EventKind = HostEventKind | ServerEventKind;

export const HOST_EVENT_KINDS = Object.keys(HostEventData) as HostEventKind[];
export const SERVER_EVENT_KINDS = Object.keys(ServerEventData) as ServerEventKind[];
export const HostEventKind = z.enum(HOST_EVENT_KINDS as [HostEventKind, ...HostEventKind[]]);
export const ServerEventKind = z.enum(SERVER_EVENT_KINDS as [ServerEventKind, ...ServerEventKind[]]);
export const EventKind = z.enum([...HOST_EVENT_KINDS, ...SERVER_EVENT_KINDS] as [EventKind, ...EventKind[]]);

/** The `data` of a host event of kind K, as the host emits it (before defaults). */
export type HostEventInput<K extends HostEventKind> = z.input<(typeof HostEventData)[K]>;
/** The `data` of an event of kind K, as stored and read. */
export type EventData<K extends EventKind> = K extends HostEventKind
  ? z.infer<(typeof HostEventData)[K]>
  : K extends ServerEventKind
    ? z.infer<(typeof ServerEventData)[K]>
    : never;

/**
 * One event as the host sends it: `seq` is the host's per-task sequence number,
 * from 1. The envelope is checked on the wire; `data` is checked per kind by
 * TaskDO (`parseEventData`), so one bad event is refused alone, not its batch.
 */
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

const SCHEMAS: Record<EventKind, z.ZodType> = { ...HostEventData, ...ServerEventData };

export type ParsedEventData<K extends EventKind> = { ok: true; data: EventData<K> } | { ok: false; reason: string };

/** Checks an event's `data` against its kind's schema: typed data, or one line that says what is wrong. */
export function parseEventData<K extends EventKind>(kind: K, data: unknown): ParsedEventData<K> {
  const parsed = SCHEMAS[kind].safeParse(data);
  if (parsed.success) return { ok: true, data: parsed.data as EventData<K> };
  const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.length ? i.path.join(".") : "data"}: ${i.message}`);
  return { ok: false, reason: `invalid ${kind} event: ${issues.join("; ")}` };
}

const stored = <K extends EventKind>(kind: K) =>
  z.object({
    taskId: z.string(),
    seq: z.number().int().positive(),
    kind: z.literal(kind),
    source: z.enum(["host", "server"]),
    hostSeq: z.number().int().positive().nullable(),
    data: SCHEMAS[kind] as (typeof HostEventData & typeof ServerEventData)[K],
    at: EpochMs,
  });

/** One stored event, as the API and watchers see it: `data` is typed by `kind`. */
export const TaskEvent = z.discriminatedUnion("kind", [
  stored("started"),
  stored("assistant_text"),
  stored("action"),
  stored("action_result"),
  stored("screenshot"),
  stored("usage"),
  stored("help_request"),
  stored("secret_typed"),
  stored("log"),
  stored("replay"),
  stored("command"),
  stored("file_write"),
  stored("file_transfer"),
  stored("browser"),
  stored("web_fetch"),
  stored("mcp_call"),
  stored("completed"),
  stored("failed"),
  stored("status"),
  stored("user_message"),
  stored("help_answer"),
  stored("cancel_requested"),
  stored("note"),
]);
export type TaskEvent = z.infer<typeof TaskEvent>;
export type TaskEventOf<K extends EventKind> = Extract<TaskEvent, { kind: K }>;

/**
 * A stored event read back from storage (TaskDO's SQLite, D1): its data was
 * checked against its kind's schema when it was stored, so it is not parsed again.
 */
export function storedTaskEvent(e: { taskId: string; seq: number; kind: string; source: string; hostSeq: number | null; data: unknown; at: number }): TaskEvent {
  return e as TaskEvent;
}

/** A host event whose `data` passed its kind's schema. */
export type CheckedHostEvent = { [K in HostEventKind]: { seq: number; kind: K; at: number; data: EventData<K> } }[HostEventKind];

/** A host event TaskDO refused, and why; the host logs it. */
export const RefusedEvent = z.object({ seq: z.number().int().positive(), reason: z.string().max(1_000) });
export type RefusedEvent = z.infer<typeof RefusedEvent>;

/** An event's kind and data, typed together (what `searchableText` and the stores take). */
export type EventBody = { [K in EventKind]: { kind: K; data: EventData<K> } }[EventKind];
