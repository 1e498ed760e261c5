import { z } from "zod";
import { DesktopId, EpochMs, Label, TaskId } from "./ids.ts";
import { AgentName, AgentProfile, AgentTool, ContinueFrom } from "./agents.ts";
import { MemoryNote } from "./memory.ts";
import { MAX_TASK_ATTACHMENTS } from "./host-tools.ts";
import { SecretName, SecretSummary } from "./vault.ts";
import { TaskEnv } from "./shell-env.ts";
import { ProfileMcpServers } from "./mcp-servers.ts";

export const TASK_STATUSES = ["queued", "assigned", "running", "waiting_for_human", "completed", "failed", "cancelled"] as const;
export const TaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatus>;
export const TERMINAL_STATUSES: readonly TaskStatus[] = ["completed", "failed", "cancelled"];
export const isTerminal = (s: TaskStatus): boolean => TERMINAL_STATUSES.includes(s);

export const TaskSource = z.enum(["api", "dashboard", "telegram", "scheduler", "supervisor", "healer", "optimizer"]);
export type TaskSource = z.infer<typeof TaskSource>;

/** "auto": replay the latest good trajectory when there is one (trajectories.ts); "off": always ask the model. */
export const ReplayMode = z.enum(["auto", "off"]);
export type ReplayMode = z.infer<typeof ReplayMode>;

/** Options a task carries to the host; everything optional has a documented default on the host. */
export const TaskOptions = z.object({
  startUrl: z.url({ protocol: /^https?$/, message: "startUrl must be an http(s) URL" }).max(2048).optional(),
  model: z.string().min(1).max(100).optional(),
  /** Model calls the agent may make (each may carry several actions); the task's `steps` counts actions. */
  maxSteps: z.number().int().min(1).max(10_000).optional().describe("Model turns the agent may take, each with one or more actions (host default 100)"),
  budgetUsd: z.number().positive().max(10_000).optional(),
  selfHealing: z.boolean().optional(),
  notify: z.boolean().optional(),
  /** Replay a recorded trajectory without the model ("auto"), or not ("off"). Default: a schedule's setting, "off" for one-off tasks. */
  replay: ReplayMode.optional(),
  /**
   * What the task may use besides the screen (`computer`, always there): `ask_human`, `type_secret`, `memory`,
   * and the tools beyond the screen (`shell`, `files`, `browser`, `web`, `mcp`, `mcp:<server>`) of those its host
   * allows. Omitted: its agent's tools, or everything; `[]`: the screen alone. With an agent, a task narrows, never widens.
   */
  tools: z.array(AgentTool).max(24).optional().describe("What the task may use besides the screen: ask_human, type_secret, memory, shell, files, browser, web, mcp, mcp:<server> (omitted: its agent's, or all; []: the screen alone)"),
  /** `last`: start with a summary of the previous task on the same desktop (its prompt, result and last screenshot). */
  continueFrom: ContinueFrom.optional(),
  /** Files the task waits for before it starts (`POST /api/tasks/{id}/files`); the host downloads them into the task's folder. */
  attachments: z.number().int().min(1).max(MAX_TASK_ATTACHMENTS).optional().describe("Files the task waits for before it starts (POST /api/tasks/{id}/files)"),
  /** Run this shell command on the desktop instead of a model conversation (needs the host to allow `shell`); the result is its output. */
  command: z.string().min(1).max(10_000).optional().describe("Run this shell command on the desktop, without a model; the host must allow the shell"),
  /**
   * Vault secrets the task will type, besides those its prompt names with
   * `{{secret:name}}`: an exclusive one among them holds the task back while
   * another task uses it.
   */
  secrets: z.array(SecretName).max(20).optional(),
  /** Shell environment variables from the vault (`{"GITHUB_TOKEN": "secret:github"}`): names and references only, never values. */
  env: TaskEnv.optional(),
});
export type TaskOptions = z.infer<typeof TaskOptions>;

export const TaskUsage = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cacheReadTokens: z.number().int().nonnegative(),
  cacheWriteTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
});
export type TaskUsage = z.infer<typeof TaskUsage>;

export const TaskError = z.object({ code: z.string(), message: z.string() });
export type TaskError = z.infer<typeof TaskError>;

/** A task as the API returns it. */
export const Task = z.object({
  id: TaskId,
  prompt: z.string(),
  status: TaskStatus,
  desktopId: DesktopId.nullable(),
  /** The agent that runs it (its instructions, skills, tools and limits); null for none. */
  agent: AgentName.nullable(),
  target: z.object({ desktopId: DesktopId.nullable(), labels: z.array(Label) }),
  source: TaskSource,
  sourceMeta: z.record(z.string(), z.unknown()).nullable(),
  scheduleId: z.string().nullable(),
  originalTaskId: TaskId.nullable(),
  retryNumber: z.number().int().nonnegative(),
  priority: z.number().int(),
  options: TaskOptions,
  result: z.string().nullable(),
  error: TaskError.nullable(),
  usage: TaskUsage,
  steps: z.number().int().nonnegative(),
  /** While queued: why the task cannot start yet (its desktop has no host, the host runs no tasks, or an exclusive credential is in use); null when it only waits its turn. */
  waitingReason: z.string().nullable(),
  createdAt: EpochMs,
  assignedAt: EpochMs.nullable(),
  startedAt: EpochMs.nullable(),
  finishedAt: EpochMs.nullable(),
  updatedAt: EpochMs,
});
export type Task = z.infer<typeof Task>;

/** The task that ran on the same desktop before (`continueFrom: "last"`), summarized: no raw logs. */
export const PreviousTask = z.object({
  taskId: TaskId,
  prompt: z.string().max(2_000),
  status: TaskStatus,
  result: z.string().max(4_000).nullable(),
  error: TaskError.nullable(),
  finishedAt: EpochMs.nullable(),
  /** Its last screenshot (as its model saw it), base64 PNG; null when it had none or it is too big to carry. */
  screenshot: z.object({ png: z.base64().max(4 * 1024 * 1024), width: z.number().int().nonnegative(), height: z.number().int().nonnegative() }).nullable(),
});
export type PreviousTask = z.infer<typeof PreviousTask>;

/** What a host needs to run a task; sent in `assign`. */
export const AssignedTask = z.object({
  id: TaskId,
  prompt: z.string(),
  options: TaskOptions,
  /** Follow-up messages not yet delivered, oldest first. */
  followUps: z.array(z.object({ id: z.string(), text: z.string(), at: EpochMs })),
  /** True when the task was resumed (a follow-up on a finished task, or a reassignment after reconnect). */
  resume: z.boolean(),
  /** The next host sequence number the control plane expects; earlier events are stored. */
  nextSeq: z.number().int().positive(),
  /**
   * What the task has already spent, so its budget and step limit hold across
   * resumes and across a host that lost the conversation (a restart): money,
   * and steps as `maxSteps` counts them, model calls (one `usage` event each).
   */
  spent: z.object({ costUsd: z.number().nonnegative(), steps: z.number().int().nonnegative().optional() }).optional(),
  /** The agent's instructions, skills and the user profile: the system prompt's cached prefix. Absent from older control planes. */
  profile: AgentProfile.optional(),
  /** The host tools this task may use; absent: every tool the host has. A call to any other is refused and the model told. */
  tools: z.array(AgentTool).optional(),
  /** What the task starts with besides its prompt: relevant memories and the previous task on this desktop. */
  briefing: z
    .object({
      memories: z.array(MemoryNote).max(10),
      previous: PreviousTask.nullable(),
    })
    .optional(),
  /** The vault secrets in this task's scope on this desktop: names and descriptions only (the model's type_secret list). */
  secrets: z.array(SecretSummary).max(200).default([]),
  /** The MCP servers its agent declares (vault references unresolved: the host asks for each value). */
  mcpServers: ProfileMcpServers.optional(),
});
export type AssignedTask = z.infer<typeof AssignedTask>;
