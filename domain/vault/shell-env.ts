import type { ProfileMcpServers, SecretScope, TaskEnv } from "@deskfleet/protocol";
import { envSecretName, mcpSecretNames } from "@deskfleet/protocol";
import { ApiError, unprocessable } from "../api-error.ts";
import { getDesktop } from "../../db/desktops.ts";
import { existingSecretNames, listSecrets } from "../../db/secrets.ts";

// Checks for a task's (or a schedule's) `env`, before anything is created: a
// vault that exists, a shell to put the variables in, secrets that exist, and
// that every desktop the task may run on is granted each of them (a task that
// would be refused its variable at run time is refused now instead).

/** Where a task may run: one desktop (with its labels), any desktop with all these labels, or any desktop. */
export type EnvTarget = { desktopId: string | null; desktopLabels: readonly string[]; labels: readonly string[]; scheduleId: string | null };

/**
 * Why a secret with this scope would not be released on some desktop the task
 * may run on, or null when it would be on every one. A labels target is sure
 * only through the secret's labels (a desktop list cannot cover desktops
 * added later); no target is sure only with no desktop limit at all.
 */
export function envGrantProblem(name: string, scope: SecretScope, t: EnvTarget): string | null {
  if (scope === "global") return null;
  const desktops = scope.desktops ?? [];
  const labels = scope.labels ?? [];
  const schedules = scope.schedules ?? [];
  if (schedules.length > 0 && (t.scheduleId === null || !schedules.includes(t.scheduleId))) {
    return `secret \`${name}\` is granted only to runs of schedule${schedules.length > 1 ? "s" : ""} ${schedules.join(", ")}`;
  }
  if (desktops.length + labels.length === 0) return null;
  const where = [...desktops.map((d) => `desktop ${d}`), ...labels.map((l) => `label ${l}`)].join(", ");
  if (t.desktopId !== null) {
    if (desktops.includes(t.desktopId) || labels.some((l) => t.desktopLabels.includes(l))) return null;
    return `secret \`${name}\` is granted only on ${where}, and desktop ${t.desktopId} is none of them; target one of those or widen the secret's scope`;
  }
  if (labels.some((l) => t.labels.includes(l))) return null;
  return `secret \`${name}\` is granted only on ${where}, but this task may run on ${t.labels.length ? `any desktop labelled ${t.labels.join(", ")}` : "any desktop"}; target a desktop (or a label) the secret is granted on`;
}

export type EnvCheck = {
  env: TaskEnv | undefined;
  /** The task's tools after its agent's (undefined: every tool, the shell included). */
  tools: readonly string[] | undefined;
  desktopId: string | null;
  labels: readonly string[];
  scheduleId: string | null;
  /** Whose env it is, for the messages: `env` on a task, a schedule's `env`. */
  field?: string;
};

/** 4xx and nothing created unless every variable of `env` would reach the task's shell. */
export async function checkShellEnv(env: Env, c: EnvCheck): Promise<void> {
  const entries = Object.entries(c.env ?? {});
  if (entries.length === 0) return;
  const field = c.field ?? "env";
  requireVault(env, `${field} takes secrets from the vault`, `leave ${field} out`);
  if (c.tools && !c.tools.includes("shell")) {
    throw unprocessable("shell_not_allowed", `${field} sets shell variables, but this task's tools (${c.tools.join(", ") || "none"}) do not include \`shell\`; add shell to its tools (and its agent's), or leave ${field} out`);
  }
  const secrets = new Map((await listSecrets(env.DB)).map((r) => [r.name, r]));
  const named = [...new Set(entries.map(([, v]) => envSecretName(v)!))];
  const missing = named.filter((n) => !secrets.has(n));
  if (missing.length > 0) {
    throw unprocessable(
      "unknown_secret",
      `${field} names secret${missing.length > 1 ? "s" : ""} ${missing.map((m) => `\`${m}\``).join(", ")} that the vault does not hold; add ${missing.length > 1 ? "them" : "it"} under Settings → Secrets (POST /api/secrets) or fix the name`,
    );
  }
  const desktop = c.desktopId ? await getDesktop(env.DB, c.desktopId) : null;
  const target: EnvTarget = { desktopId: c.desktopId, desktopLabels: desktop?.labels ?? [], labels: c.labels, scheduleId: c.scheduleId };
  for (const name of named) {
    const problem = envGrantProblem(name, secrets.get(name)!.scope as SecretScope, target);
    if (problem) throw unprocessable("secret_not_granted", `${field}: ${problem}`);
  }
}

/** 422 unless the vault can release values at all (DESKFLEET_SECRET_KEY set): without it there are no secrets in shells or MCP servers. */
function requireVault(env: Env, what: string, otherwise: string): void {
  const key = env.DESKFLEET_SECRET_KEY;
  if (key && key.length >= 16) return;
  throw new ApiError(
    422,
    "vault_not_configured",
    `${what}, and this deployment has no vault: set DESKFLEET_SECRET_KEY (\`wrangler secret put DESKFLEET_SECRET_KEY\`, at least 16 characters) and add the secret, or ${otherwise}`,
  );
}

/** 422 unless every vault secret an agent's MCP servers name exists (scope is checked when a task's host asks for it). */
export async function checkMcpSecrets(env: Env, servers: ProfileMcpServers | undefined): Promise<void> {
  const named = mcpSecretNames(servers);
  if (named.length === 0) return;
  requireVault(env, "mcpServers name vault secrets", "write the servers without secrets");
  const known = await existingSecretNames(env.DB, named);
  const missing = named.filter((n) => !known.has(n));
  if (missing.length === 0) return;
  throw unprocessable(
    "unknown_secret",
    `mcpServers name secret${missing.length > 1 ? "s" : ""} ${missing.map((m) => `\`${m}\``).join(", ")} that the vault does not hold; add ${missing.length > 1 ? "them" : "it"} under Settings → Secrets (POST /api/secrets) or fix the name`,
  );
}
