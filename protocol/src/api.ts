import { z } from "zod";
import { DesktopId, EpochMs, Label, TaskId } from "./ids.ts";
import { TaskOptions, TaskSource, TaskStatus } from "./task.ts";
import { DesktopPresence } from "./feed.ts";
import { HostCapabilities } from "./host-protocol.ts";
import { AgentName } from "./agents.ts";
import { VNC_SECURITY_PARAM, VncSecurityList } from "./vnc-security.ts";

/** The error envelope every 4xx/5xx carries. */
export const ApiErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const Role = z.enum(["viewer", "operator", "admin"]);
export type Role = z.infer<typeof Role>;

// ---- tokens
export const CreateTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: Role,
});
export const ApiToken = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  prefix: z.string(),
  createdAt: EpochMs,
  lastUsedAt: EpochMs.nullable(),
});
export const CreatedApiToken = ApiToken.extend({ token: z.string() });

// ---- desktops
export const DesktopOs = z.enum(["linux", "macos", "windows", "other"]);
export const DesktopMode = z.enum(["worker", "view_only"]);

/**
 * `vnc://[user:]pass@host:port`, `ws://` or `wss://`; credentials and a query string
 * (websockify tokens) are split off and encrypted at rest. The user name is for Apple
 * Remote Desktop (macOS) and VeNCrypt Plain; `?security=X509Vnc,VncAuth` limits the
 * methods tried (and stays in the address).
 */
export const VncUrl = z
  .string()
  .max(2048)
  .refine((s) => /^(vnc|ws|wss):\/\/[^\s]+$/i.test(s) && URL.canParse(s), {
    message: "vncUrl must be vnc://[user:password@]host:port, ws://… or wss://…",
  })
  .superRefine((s, ctx) => {
    if (!URL.canParse(s)) return;
    const security = new URL(s).searchParams.get(VNC_SECURITY_PARAM);
    if (security === null) return;
    const parsed = VncSecurityList.safeParse(security);
    if (!parsed.success) ctx.addIssue({ code: "custom", message: `vncUrl's ?${VNC_SECURITY_PARAM}= is invalid: ${parsed.error.issues[0]?.message}` });
  });

export const CreateDesktopBody = z.strictObject({
  id: DesktopId,
  name: z.string().trim().min(1).max(100).optional(),
  os: DesktopOs.optional(),
  labels: z.array(Label).max(32).optional(),
  vncUrl: VncUrl.optional(),
  vncPassword: z.string().max(256).optional(),
});
export const UpdateDesktopBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    os: DesktopOs.optional(),
    labels: z.array(Label).max(32).optional(),
    vncUrl: VncUrl.nullable().optional(),
    vncPassword: z.string().max(256).nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "send at least one field to change" });

export const Desktop = z.object({
  id: DesktopId,
  name: z.string(),
  os: DesktopOs,
  labels: z.array(z.string()),
  /** The VNC address without credentials or query string (both sealed at rest, never shown). */
  vncUrl: z.string().nullable(),
  /**
   * The control plane dials this VNC address unencrypted across the network (`vnc://` or `ws://`
   * to a host that is not this machine): screens, keystrokes and the weak VNC password check travel
   * in clear. Use `wss://` (websockify with TLS) or a host.
   */
  vncUnencrypted: z.boolean(),
  hasVncPassword: z.boolean(),
  hasHostToken: z.boolean(),
  mode: DesktopMode,
  presence: DesktopPresence,
  currentTaskId: TaskId.nullable(),
  capabilities: HostCapabilities.nullable(),
  lastSeenAt: EpochMs.nullable(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
export type Desktop = z.infer<typeof Desktop>;

/**
 * The one line that installs the host from this control plane, per OS. The
 * token is not in it: the installer asks for it (or reads it from standard
 * input), so it never lands on a command line, in `ps` or in shell history.
 */
export const HostInstallLines = z.object({
  /** Linux and macOS: `curl -fsSL <cp>/install.sh | sh -s -- --desktop <id> --token-stdin`. */
  unix: z.string(),
  /** Windows PowerShell. */
  windows: z.string(),
});
export type HostInstallLines = z.infer<typeof HostInstallLines>;

export const HostTokenResponse = z.object({
  desktopId: DesktopId,
  /** Shown once; the installer asks for it. */
  token: z.string(),
  install: HostInstallLines,
});

// ---- tasks
export const CreateTaskBody = z
  .strictObject({
    prompt: z.string().trim().min(1, { message: "prompt must not be empty" }).max(50_000),
    desktopId: DesktopId.optional(),
    labels: z.array(Label).max(32).optional(),
    priority: z.number().int().min(-100).max(100).optional(),
    agent: z
      .union([AgentName, z.literal("auto")])
      .optional()
      .describe("The agent to run it (its settings are defaults the task may narrow, never widen); `auto` picks the agent whose description fits the prompt best"),
    ...TaskOptions.shape,
  })
  .refine((b) => !(b.desktopId && b.labels && b.labels.length > 0), {
    message: "give either desktopId or labels, not both",
  });
export type CreateTaskBody = z.infer<typeof CreateTaskBody>;

export const ListTasksQuery = z.strictObject({
  status: TaskStatus.optional(),
  desktopId: DesktopId.optional(),
  source: TaskSource.optional(),
  scheduleId: z.string().max(64).optional(),
  agent: AgentName.optional(),
  q: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const EventsQuery = z.strictObject({
  after: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

export const TaskMessageBody = z.strictObject({ text: z.string().trim().min(1).max(20_000) });
export const CancelTaskBody = z.strictObject({ reason: z.string().max(500).optional() }).optional();

export const IdParam = z.object({ id: z.string().min(1).max(128) });
