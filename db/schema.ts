import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { ProfileMcpServers } from "@deskfleet/protocol";

// Every time is an integer of epoch milliseconds (ARCHITECTURE.md): mixed formats make schedulers fire early.
const ms = (name: string) => integer(name);
const json = (name: string) => text(name, { mode: "json" });

export const desktops = sqliteTable("desktops", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  os: text("os", { enum: ["linux", "macos", "windows", "other"] }).notNull().default("linux"),
  labels: json("labels").$type<string[]>().notNull().default(sql`'[]'`),
  /** VNC address with credentials removed. */
  vncUrl: text("vnc_url"),
  /** AES-GCM ciphertext of `{username?, password?}`, base64. */
  vncCredentials: text("vnc_credentials"),
  hostTokenHash: text("host_token_hash"),
  hostTokenCreatedAt: ms("host_token_created_at"),
  mode: text("mode", { enum: ["worker", "view_only"] }).notNull().default("view_only"),
  presence: text("presence", { enum: ["online", "busy", "view_only", "offline"] }).notNull().default("offline"),
  currentTaskId: text("current_task_id"),
  capabilities: json("capabilities").$type<Record<string, unknown>>(),
  lastSeenAt: ms("last_seen_at"),
  createdAt: ms("created_at").notNull(),
  updatedAt: ms("updated_at").notNull(),
}, (t) => [uniqueIndex("desktops_host_token_hash").on(t.hostTokenHash)]);

export const tasks = sqliteTable("tasks", {
  id: text("id").primaryKey(),
  prompt: text("prompt").notNull(),
  status: text("status", {
    enum: ["queued", "assigned", "running", "waiting_for_human", "completed", "failed", "cancelled"],
  }).notNull(),
  desktopId: text("desktop_id"),
  /** The agent profile that runs it (agents.name); null for none. */
  agent: text("agent"),
  targetDesktopId: text("target_desktop_id"),
  targetLabels: json("target_labels").$type<string[]>().notNull().default(sql`'[]'`),
  source: text("source", {
    enum: ["api", "dashboard", "telegram", "scheduler", "supervisor", "healer", "optimizer"],
  }).notNull(),
  sourceMeta: json("source_meta").$type<Record<string, unknown>>(),
  scheduleId: text("schedule_id"),
  originalTaskId: text("original_task_id"),
  retryNumber: integer("retry_number").notNull().default(0),
  priority: integer("priority").notNull().default(0),
  options: json("options").$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
  result: text("result"),
  errorCode: text("error_code"),
  errorMessage: text("error_message"),
  inputTokens: integer("input_tokens").notNull().default(0),
  outputTokens: integer("output_tokens").notNull().default(0),
  cacheReadTokens: integer("cache_read_tokens").notNull().default(0),
  cacheWriteTokens: integer("cache_write_tokens").notNull().default(0),
  costUsd: real("cost_usd").notNull().default(0),
  steps: integer("steps").notNull().default(0),
  /** Why a queued task cannot start yet (its desktop is offline or view-only, or an exclusive vault secret another task holds), set by dispatch. */
  waitingReason: text("waiting_reason"),
  createdAt: ms("created_at").notNull(),
  assignedAt: ms("assigned_at"),
  startedAt: ms("started_at"),
  finishedAt: ms("finished_at"),
  updatedAt: ms("updated_at").notNull(),
}, (t) => [
  index("tasks_created").on(t.createdAt, t.id),
  index("tasks_status_created").on(t.status, t.createdAt),
  index("tasks_desktop_created").on(t.desktopId, t.createdAt),
  index("tasks_schedule_created").on(t.scheduleId, t.createdAt),
  index("tasks_original").on(t.originalTaskId),
  index("tasks_agent_created").on(t.agent, t.createdAt),
]);

export const taskEvents = sqliteTable("task_events", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  taskId: text("task_id").notNull(),
  seq: integer("seq").notNull(),
  type: text("type").notNull(),
  source: text("source", { enum: ["host", "server"] }).notNull(),
  hostSeq: integer("host_seq"),
  payload: json("payload").$type<Record<string, unknown>>().notNull(),
  /** The event's human-readable text, indexed for full-text search. */
  text: text("text"),
  createdAt: ms("created_at").notNull(),
}, (t) => [uniqueIndex("task_events_task_seq").on(t.taskId, t.seq)]);

export const schedules = sqliteTable("schedules", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  prompt: text("prompt").notNull(),
  promptVersion: integer("prompt_version").notNull().default(1),
  startUrl: text("start_url"),
  targetDesktopId: text("target_desktop_id"),
  targetLabels: json("target_labels").$type<string[]>().notNull().default(sql`'[]'`),
  kind: text("kind", { enum: ["cron", "interval", "once"] }).notNull(),
  cron: text("cron"),
  intervalMs: integer("interval_ms"),
  runAt: ms("run_at"),
  timezone: text("timezone").notNull().default("UTC"),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  notify: integer("notify", { mode: "boolean" }).notNull().default(false),
  selfHealing: integer("self_healing", { mode: "boolean" }),
  selfLearning: integer("self_learning", { mode: "boolean" }).notNull().default(false),
  /** With self-learning on: whether an optimizer's prompt rewrite waits for a person ("propose") or applies at once ("auto"). */
  selfLearningMode: text("self_learning_mode", { enum: ["propose", "auto"] }).notNull().default("propose"),
  maxLearningRuns: integer("max_learning_runs").notNull().default(5),
  learningRuns: integer("learning_runs").notNull().default(0),
  maxRuns: integer("max_runs"),
  runCount: integer("run_count").notNull().default(0),
  skipIfRunning: integer("skip_if_running", { mode: "boolean" }).notNull().default(true),
  /** The agent that runs each run; null for none. */
  agent: text("agent"),
  options: json("options").$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
  nextRunAt: ms("next_run_at"),
  lastRunAt: ms("last_run_at"),
  lastTaskId: text("last_task_id"),
  lastStatus: text("last_status"),
  createdBy: text("created_by"),
  createdAt: ms("created_at").notNull(),
  updatedAt: ms("updated_at").notNull(),
}, (t) => [index("schedules_due").on(t.enabled, t.nextRunAt)]);

export const promptVersions = sqliteTable("prompt_versions", {
  id: text("id").primaryKey(),
  scheduleId: text("schedule_id").notNull(),
  version: integer("version").notNull(),
  prompt: text("prompt").notNull(),
  author: text("author").notNull(),
  reason: text("reason"),
  createdAt: ms("created_at").notNull(),
}, (t) => [uniqueIndex("prompt_versions_schedule_version").on(t.scheduleId, t.version)]);

export const helpRequests = sqliteTable("help_requests", {
  id: text("id").primaryKey(),
  taskId: text("task_id").notNull(),
  desktopId: text("desktop_id"),
  question: text("question").notNull(),
  options: json("options").$type<string[]>(),
  /** A secret question: `answer` only ever holds `[secret answer]`; the answer itself went to the host. */
  secret: integer("secret", { mode: "boolean" }).notNull().default(false),
  status: text("status", { enum: ["open", "answered", "dismissed", "timed_out"] }).notNull(),
  answer: text("answer"),
  answeredBy: text("answered_by"),
  answeredVia: text("answered_via"),
  screenshotKey: text("screenshot_key"),
  createdAt: ms("created_at").notNull(),
  expiresAt: ms("expires_at").notNull(),
  resolvedAt: ms("resolved_at"),
}, (t) => [index("help_requests_status").on(t.status, t.createdAt), index("help_requests_task").on(t.taskId)]);

export const apiTokens = sqliteTable("api_tokens", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  role: text("role", { enum: ["viewer", "operator", "admin"] }).notNull(),
  tokenHash: text("token_hash").notNull(),
  prefix: text("prefix").notNull(),
  createdBy: text("created_by"),
  createdAt: ms("created_at").notNull(),
  lastUsedAt: ms("last_used_at"),
  revokedAt: ms("revoked_at"),
}, (t) => [uniqueIndex("api_tokens_hash").on(t.tokenHash)]);

export const auditLog = sqliteTable("audit_log", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  at: ms("at").notNull(),
  actor: text("actor").notNull(),
  action: text("action").notNull(),
  targetType: text("target_type"),
  targetId: text("target_id"),
  details: json("details").$type<Record<string, unknown>>(),
}, (t) => [index("audit_log_at").on(t.at)]);

/**
 * Dashboard sign-in sessions: only the hash of the cookie value is stored. Each keeps the credential
 * that opened it and is re-checked against it on every use: rotating the admin token or revoking an
 * API token ends the sessions it opened.
 */
export const sessions = sqliteTable("sessions", {
  idHash: text("id_hash").primaryKey(),
  /** Public id (`ses_…`): how a session is listed and ended (`DELETE /api/sessions/:id`); not a secret. */
  id: text("id").notNull(),
  identityId: text("identity_id").notNull(),
  name: text("name").notNull(),
  role: text("role", { enum: ["viewer", "operator", "admin"] }).notNull(),
  /** The credential that opened it: `admin:<fingerprint>`, `token:<id>` or `access:<email>`. */
  credential: text("credential").notNull(),
  /** How the person signed in. */
  via: text("via", { enum: ["admin_token", "api_token", "link", "access", "telegram_webapp"] }).notNull(),
  /** Set for a Telegram Mini App session: it opens this one desktop and nothing else (workers/auth/desktop-scope.ts). */
  desktopId: text("desktop_id"),
  /** Country of the IP address it was last used from (Cloudflare's `request.cf.country`), when known. */
  ipCountry: text("ip_country"),
  createdAt: ms("created_at").notNull(),
  lastSeenAt: ms("last_seen_at").notNull(),
  expiresAt: ms("expires_at").notNull(),
}, (t) => [index("sessions_expires").on(t.expiresAt), uniqueIndex("sessions_id").on(t.id), index("sessions_credential").on(t.credential)]);

/** One-time sign-in codes (the link `npm start` prints): single use, short-lived, only the hash stored. */
export const signInCodes = sqliteTable("sign_in_codes", {
  codeHash: text("code_hash").primaryKey(),
  identityId: text("identity_id").notNull(),
  name: text("name").notNull(),
  role: text("role", { enum: ["viewer", "operator", "admin"] }).notNull(),
  /** The credential of whoever minted it; the session it opens inherits it. */
  credential: text("credential").notNull(),
  createdAt: ms("created_at").notNull(),
  expiresAt: ms("expires_at").notNull(),
}, (t) => [index("sign_in_codes_expires").on(t.expiresAt)]);

/**
 * Which Durable Objects hold something a credential or session opened (sockets, viewer tickets,
 * takeover leases), so revoking it reaches exactly those objects. `key` is a grant key
 * (`token:<id>`, `session:<id>`, `admin:<fingerprint>`, `access:<email>`); `object` names the object
 * (`fleet`, `task:<id>`, `supervisor:<conversation>`, `desktop:<id>`).
 */
export const accessHolders = sqliteTable("access_holders", {
  key: text("key").notNull(),
  object: text("object").notNull(),
  at: ms("at").notNull(),
}, (t) => [primaryKey({ columns: [t.key, t.object] }), index("access_holders_at").on(t.at)]);

/** Small facts about the deployment itself, e.g. the fingerprint of the admin token in force (to notice a rotation). */
export const controlPlaneState = sqliteTable("control_plane_state", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: ms("updated_at").notNull(),
});

/** Chats outside TELEGRAM_ALLOWED_CHAT_IDS that were told their id once; they are never answered again. */
export const telegramRefusals = sqliteTable("telegram_refusals", {
  chatId: integer("chat_id").primaryKey(),
  refusedAt: ms("refused_at").notNull(),
});

/** Telegram users outside TELEGRAM_ALLOWED_USER_IDS who were told their id once; they are never answered again. */
export const telegramUserRefusals = sqliteTable("telegram_user_refusals", {
  userId: integer("user_id").primaryKey(),
  refusedAt: ms("refused_at").notNull(),
});

/**
 * A help request posted to a Telegram chat. The row id is the short key in the buttons' callback
 * data (`h:<id>:<option>`, within Telegram's 64 bytes); (chat, message) finds it from a reply.
 */
export const telegramHelpMessages = sqliteTable("telegram_help_messages", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  requestId: text("request_id").notNull(),
  chatId: integer("chat_id").notNull(),
  messageId: integer("message_id").notNull(),
  createdAt: ms("created_at").notNull(),
}, (t) => [uniqueIndex("telegram_help_messages_message").on(t.chatId, t.messageId), index("telegram_help_messages_request").on(t.requestId)]);

/**
 * The vault: credentials agents type into desktops. `sealed` is AES-GCM under
 * the `vault-secret` key (secret-box.ts) with the name as additional data;
 * nothing else here is secret. A TOTP secret keeps its seed sealed and its
 * parameters in `totp`.
 */
export const secrets = sqliteTable("secrets", {
  name: text("name").primaryKey(),
  kind: text("kind", { enum: ["password", "text", "totp"] }).notNull(),
  description: text("description").notNull().default(""),
  /** `"global"` or `{desktops?, labels?, schedules?}` (protocol SecretScope). */
  scope: json("scope").$type<unknown>().notNull(),
  exclusive: integer("exclusive", { mode: "boolean" }).notNull().default(false),
  sealed: text("sealed").notNull(),
  totp: json("totp").$type<{ algorithm: "SHA1" | "SHA256" | "SHA512"; digits: number; period: number }>(),
  createdAt: ms("created_at").notNull(),
  createdBy: text("created_by").notNull(),
  rotatedAt: ms("rotated_at"),
  rotatedBy: text("rotated_by"),
  lastUsedAt: ms("last_used_at"),
  lastUsedBy: text("last_used_by"),
  lastUsedTaskId: text("last_used_task_id"),
  lastUsedDesktopId: text("last_used_desktop_id"),
});

/**
 * Writes the supervisor wanted to make without a person asking (DESIGN.md, Approvals). SupervisorDO
 * of the conversation is the one writer and decides each atomically; this is the queryable mirror.
 */
export const proposals = sqliteTable("proposals", {
  id: text("id").primaryKey(),
  status: text("status", { enum: ["pending", "approved", "rejected", "expired"] }).notNull(),
  actionClass: text("action_class", { enum: ["tasks", "desktop_input", "schedules", "help_answers", "prompt_rewrites"] }).notNull(),
  tool: text("tool").notNull(),
  input: json("input").$type<Record<string, unknown>>().notNull(),
  summary: text("summary").notNull(),
  why: text("why").notNull(),
  reason: text("reason"),
  diff: json("diff").$type<{ before: string; after: string }>(),
  conversationId: text("conversation_id").notNull(),
  taskId: text("task_id"),
  requestedBy: text("requested_by").notNull(),
  createdAt: ms("created_at").notNull(),
  expiresAt: ms("expires_at").notNull(),
  decidedAt: ms("decided_at"),
  decidedBy: text("decided_by"),
  decidedVia: text("decided_via", { enum: ["dashboard", "api", "telegram", "system"] }),
  result: text("result"),
  errorCode: text("error_code"),
  errorMessage: text("error_message"),
}, (t) => [index("proposals_status_created").on(t.status, t.createdAt), index("proposals_conversation").on(t.conversationId), index("proposals_task").on(t.taskId)]);

/** A proposal posted to a Telegram chat; the row id is the key in its buttons' callback data (`p:<id>:a|r`). */
export const telegramProposalMessages = sqliteTable("telegram_proposal_messages", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  proposalId: text("proposal_id").notNull(),
  chatId: integer("chat_id").notNull(),
  messageId: integer("message_id").notNull(),
  createdAt: ms("created_at").notNull(),
}, (t) => [uniqueIndex("telegram_proposal_messages_message").on(t.chatId, t.messageId), index("telegram_proposal_messages_proposal").on(t.proposalId)]);

/**
 * Recorded trajectories (issue #20): one row per version. `scope` says what it replays for —
 * `schedule:<id>` (with its prompt version) or `prompt:<sha-256 of prompt and start URL>` for
 * one-off tasks. The latest version of a scope that is not forgotten is the one a run replays.
 * Images (fingerprints) are in R2 under `r2_prefix`; the steps are `trajectory_steps`.
 */
export const trajectories = sqliteTable("trajectories", {
  id: text("id").primaryKey(),
  scope: text("scope").notNull(),
  scheduleId: text("schedule_id"),
  promptVersion: integer("prompt_version"),
  version: integer("version").notNull(),
  basedOn: text("based_on"),
  origin: text("origin", { enum: ["model", "repair", "replay", "demonstration"] }).notNull(),
  sourceTaskId: text("source_task_id"),
  stepCount: integer("step_count").notNull(),
  screenWidth: integer("screen_width").notNull(),
  screenHeight: integer("screen_height").notNull(),
  result: text("result").notNull(),
  modelCalls: integer("model_calls").notNull().default(0),
  costUsd: real("cost_usd").notNull().default(0),
  wallMs: integer("wall_ms").notNull().default(0),
  r2Prefix: text("r2_prefix").notNull(),
  createdAt: ms("created_at").notNull(),
  forgottenAt: ms("forgotten_at"),
}, (t) => [uniqueIndex("trajectories_scope_version").on(t.scope, t.version), index("trajectories_schedule").on(t.scheduleId, t.createdAt)]);

/** The steps of a trajectory version: the action as executed (screen pixels) and where its before-images are in R2. */
export const trajectorySteps = sqliteTable("trajectory_steps", {
  trajectoryId: text("trajectory_id").notNull(),
  idx: integer("idx").notNull(),
  action: json("action").$type<Record<string, unknown>>().notNull(),
  origin: text("origin", { enum: ["model", "replayed", "moved", "repaired", "person"] }).notNull(),
  moved: json("moved").$type<{ dx: number; dy: number }>(),
  cropRect: json("crop_rect").$type<{ x: number; y: number; width: number; height: number }>(),
}, (t) => [uniqueIndex("trajectory_steps_step").on(t.trajectoryId, t.idx)]);
/** Files of a task: attachments a person gave it (downloaded by the host before it starts) and artifacts its agent sent back. The bytes are in R2 under `r2Key`. */
export const taskFiles = sqliteTable("task_files", {
  id: text("id").primaryKey(),
  taskId: text("task_id").notNull(),
  kind: text("kind", { enum: ["attachment", "artifact"] }).notNull(),
  name: text("name").notNull(),
  contentType: text("content_type").notNull(),
  bytes: integer("bytes").notNull(),
  r2Key: text("r2_key").notNull(),
  createdBy: text("created_by").notNull(),
  createdAt: ms("created_at").notNull(),
}, (t) => [index("task_files_task").on(t.taskId, t.createdAt)]);

/** Agent profiles: a named role with its instructions, the host tools it may use, skills and limits. */
export const agents = sqliteTable("agents", {
  name: text("name").primaryKey(),
  description: text("description").notNull(),
  instructions: text("instructions").notNull().default(""),
  model: text("model"),
  tools: json("tools").$type<string[]>().notNull(),
  skills: json("skills").$type<string[]>().notNull().default(sql`'[]'`),
  targetDesktopId: text("target_desktop_id"),
  targetLabels: json("target_labels").$type<string[]>().notNull().default(sql`'[]'`),
  maxSteps: integer("max_steps"),
  budgetUsd: real("budget_usd"),
  selfHealing: integer("self_healing", { mode: "boolean" }),
  continueFrom: text("continue_from", { enum: ["last", "none"] }).notNull().default("none"),
  /** MCP servers its tasks connect to (`ProfileMcpServers`): vault references, never values. */
  mcpServers: json("mcp_servers").$type<ProfileMcpServers>().notNull().default(sql`'{}'`),
  createdBy: text("created_by"),
  createdAt: ms("created_at").notNull(),
  updatedAt: ms("updated_at").notNull(),
});

/** Skills: markdown know-how attached to agents or named in a prompt (`@skill:name`); each change is a version. */
export const skills = sqliteTable("skills", {
  name: text("name").primaryKey(),
  description: text("description").notNull(),
  body: text("body").notNull(),
  version: integer("version").notNull().default(1),
  createdBy: text("created_by"),
  createdAt: ms("created_at").notNull(),
  updatedAt: ms("updated_at").notNull(),
});

export const skillVersions = sqliteTable("skill_versions", {
  id: text("id").primaryKey(),
  skillName: text("skill_name").notNull(),
  version: integer("version").notNull(),
  description: text("description").notNull(),
  body: text("body").notNull(),
  author: text("author").notNull(),
  reason: text("reason"),
  createdAt: ms("created_at").notNull(),
}, (t) => [uniqueIndex("skill_versions_skill_version").on(t.skillName, t.version)]);

/**
 * Long-term memory: one insight per row, unique per collection by the hash of
 * its normalized content. Full-text indexed by `memory_search` (FTS5, a
 * hand-written migration); mirrored into Vectorize when that is configured.
 */
export const memories = sqliteTable("memories", {
  id: text("id").primaryKey(),
  collection: text("collection").notNull(),
  /** The agent it belongs to; null: global, read by every agent. */
  agent: text("agent"),
  content: text("content").notNull(),
  contentHash: text("content_hash").notNull(),
  metadata: json("metadata").$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
  /** task:<id>, conversation:<id> or person:<identity>. */
  source: text("source").notNull(),
  createdAt: ms("created_at").notNull(),
  updatedAt: ms("updated_at").notNull(),
  lastUsedAt: ms("last_used_at"),
}, (t) => [
  uniqueIndex("memories_collection_hash").on(t.collection, t.contentHash),
  index("memories_created").on(t.createdAt, t.id),
  index("memories_agent").on(t.agent),
]);

/** Deployment-wide settings that people edit (the user profile), one JSON value per key. */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: json("value").$type<Record<string, unknown>>().notNull(),
  updatedBy: text("updated_by"),
  updatedAt: ms("updated_at").notNull(),
});

/**
 * A Telegram chat's current supervisor conversation, once `/reset` moved it on from the chat's first
 * one (`telegram:<chatId>`, which has no row). Earlier conversations stay in their own SupervisorDO.
 */
export const telegramChats = sqliteTable("telegram_chats", {
  chatId: integer("chat_id").primaryKey(),
  conversationId: text("conversation_id").notNull(),
  resetBy: text("reset_by").notNull(),
  resetAt: ms("reset_at").notNull(),
});

/** A task's message in a Telegram chat (its queued note, its result): a reply to it continues the task with its agent. */
export const telegramTaskMessages = sqliteTable("telegram_task_messages", {
  chatId: integer("chat_id").notNull(),
  messageId: integer("message_id").notNull(),
  taskId: text("task_id").notNull(),
  createdAt: ms("created_at").notNull(),
}, (t) => [uniqueIndex("telegram_task_messages_message").on(t.chatId, t.messageId)]);
