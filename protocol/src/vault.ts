import { z } from "zod";
import { DesktopId, EpochMs, Label, TaskId } from "./ids.ts";
import { parseTotpSeed, TOTP_ALGORITHMS } from "./totp-seed.ts";

// The vault: credentials sealed in D1 that agents type into desktops without
// the model, the logs, the events or D1 ever holding their value. These are
// the API's shapes; a value travels only in `secret_response` (host-protocol.ts).

export const SECRET_KINDS = ["password", "text", "totp"] as const;
export const SecretKind = z.enum(SECRET_KINDS);
export type SecretKind = z.infer<typeof SecretKind>;

export const SecretName = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, {
  message: "a secret name is 1-64 lowercase letters, digits, `.`, `_` or `-`, starting with a letter or digit (e.g. `github`)",
});

/**
 * Values shorter than this cannot be told apart from ordinary text, so they
 * could not be redacted from what agents write; the vault refuses them.
 */
export const MIN_SECRET_CHARS = 4;
export const MAX_SECRET_CHARS = 4_096;

/**
 * Where a secret exists: everywhere (`"global"`), or only for tasks on the
 * named desktops or desktops with one of the labels, and/or only for runs of
 * the named schedules. Every list given must match; a secret out of scope
 * does not exist for a task.
 */
export const SecretScopeLimits = z
  .strictObject({
    desktops: z.array(DesktopId).max(100).optional(),
    labels: z.array(Label).max(100).optional(),
    schedules: z.array(z.string().min(1).max(64)).max(100).optional(),
  })
  .refine((s) => (s.desktops?.length ?? 0) + (s.labels?.length ?? 0) + (s.schedules?.length ?? 0) > 0, {
    message: 'a limited scope names at least one desktop, label or schedule; use "global" for everywhere',
  });
export const SecretScope = z.union([z.literal("global"), SecretScopeLimits]);
export type SecretScope = z.infer<typeof SecretScope>;

const description = z.string().trim().max(500);

/** Why a value is not acceptable for its kind, or null. The API answers 422 on `value` with it. */
export function secretValueProblem(kind: SecretKind, value: string): string | null {
  if (value.trim() === "") return "value must not be empty";
  if (kind === "totp") {
    const seed = parseTotpSeed(value);
    return seed.ok ? null : seed.reason;
  }
  if (value.length < MIN_SECRET_CHARS) return `value must be at least ${MIN_SECRET_CHARS} characters: shorter values cannot be redacted reliably from what agents write`;
  return null;
}

const Value = z.string().max(MAX_SECRET_CHARS, { message: `value must be at most ${MAX_SECRET_CHARS} characters` });

export const CreateSecretBody = z
  .strictObject({
    name: SecretName,
    kind: SecretKind,
    value: Value,
    description: description.optional(),
    scope: SecretScope.optional(),
    /** One session at a time (one account, one login): dispatch holds back a second task that needs it. */
    exclusive: z.boolean().optional(),
  })
  .superRefine((b, ctx) => {
    const problem = secretValueProblem(b.kind, b.value);
    if (problem) ctx.addIssue({ code: "custom", path: ["value"], message: problem });
  });
export type CreateSecretBody = z.infer<typeof CreateSecretBody>;

/** A new value (rotation) and/or new metadata; the kind is fixed at creation. */
export const UpdateSecretBody = z
  .strictObject({
    value: Value.optional(),
    description: description.optional(),
    scope: SecretScope.optional(),
    exclusive: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "send a new value, description, scope or exclusive" });
export type UpdateSecretBody = z.infer<typeof UpdateSecretBody>;

export const SecretNameParam = z.object({ name: SecretName });

/** A secret as the API shows it: never its value. */
export const SecretMetadata = z.object({
  name: SecretName,
  kind: SecretKind,
  description: z.string(),
  scope: SecretScope,
  exclusive: z.boolean(),
  /** A TOTP secret's parameters (not secret); null for other kinds. */
  totp: z.object({ algorithm: z.enum(TOTP_ALGORITHMS), digits: z.number().int(), period: z.number().int() }).nullable(),
  createdAt: EpochMs,
  createdBy: z.string(),
  rotatedAt: EpochMs.nullable(),
  rotatedBy: z.string().nullable(),
  /** The last release of its value to a host (or to a desktop, for unlock_screen). */
  lastUsedAt: EpochMs.nullable(),
  lastUsedBy: z.string().nullable(),
  lastUsedTaskId: TaskId.nullable(),
  lastUsedDesktopId: z.string().nullable(),
});
export type SecretMetadata = z.infer<typeof SecretMetadata>;

/** What a value was released for: typing it, unlocking a screen, a task's shell environment, an agent's MCP server. */
export const SecretUse = z.enum(["type_secret", "unlock_screen", "shell_env", "mcp_server"]);
export type SecretUse = z.infer<typeof SecretUse>;

/** One release of a value, from the audit log. */
export const SecretRelease = z.object({
  at: EpochMs,
  actor: z.string(),
  taskId: TaskId.nullable(),
  desktopId: z.string().nullable(),
  via: SecretUse,
});
export type SecretRelease = z.infer<typeof SecretRelease>;

/** What the model is told about a secret in its task's scope: its name and what it is for, nothing more. */
export const SecretSummary = z.object({ name: SecretName, kind: SecretKind, description: z.string().max(500) });
export type SecretSummary = z.infer<typeof SecretSummary>;

export const RekeyResult = z.object({
  /** Sealed values now under the current DESKFLEET_SECRET_KEY. */
  resealed: z.object({ secrets: z.number().int(), desktops: z.number().int() }),
  /** Values neither key opens (sealed under a third key): listed so a person can re-enter them. */
  unreadable: z.array(z.string()),
});
