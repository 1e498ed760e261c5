import type { KnownSecret, SecretKind, SecretScope, SecretSummary, SecretUse } from "@deskfleet/protocol";
import { secretLabel } from "@deskfleet/protocol";
import { getSecret, listSecrets, recordRelease, type SecretRow } from "../../db/secrets.ts";
import { open, type KeyMaterial } from "../crypto/secret-box.ts";
import { inScope, type ScopeContext } from "./scope.ts";
import { secondsLeft, totpCode } from "./totp.ts";

// Releasing values: the one place a sealed secret is opened for use. A value
// goes only to a use the secret is in scope for, is audited, and updates
// "last used"; a TOTP secret releases its current code, never its seed.

export type ReleaseResult =
  | { ok: true; kind: SecretKind; value: string }
  | { ok: false; code: "not_in_scope" | "in_use" | "unreadable"; message: string; available: string[] };

export type ReleaseUse = ScopeContext & {
  taskId: string | null;
  /** Recorded as who used it: `task:<id>` for an agent, the supervisor's actor for unlock_screen. */
  by: string;
  via: SecretUse;
  now: number;
  /**
   * For an exclusive secret: claim it for this use, or learn who holds it.
   * Absent for uses outside a task (unlock_screen holds nothing).
   */
  holdExclusive?: (name: string) => Promise<{ ok: true } | { ok: false; heldBy: string }>;
};

/** A code this close to changing waits for the next one, so it is not stale by the time it is typed. */
const MIN_TOTP_SECONDS_LEFT = 3;

export async function secretsInScope(d1: D1Database, ctx: ScopeContext): Promise<SecretRow[]> {
  return (await listSecrets(d1)).filter((r) => inScope(r.scope as SecretScope, ctx));
}

/** What the model may know about the secrets in scope: names, kinds, descriptions. */
export async function summariesInScope(d1: D1Database, ctx: ScopeContext): Promise<SecretSummary[]> {
  return (await secretsInScope(d1, ctx)).map((r) => ({ name: r.name, kind: r.kind, description: r.description }));
}

export async function releaseSecret(env: KeyMaterial & { DB: D1Database }, name: string, use: ReleaseUse): Promise<ReleaseResult> {
  const row = await getSecret(env.DB, name);
  if (!row || !inScope(row.scope as SecretScope, use)) {
    const available = (await secretsInScope(env.DB, use)).map((r) => r.name);
    const names = available.length ? available.map((n) => `\`${n}\``).join(", ") : "none";
    return { ok: false, code: "not_in_scope", message: `no secret named \`${name}\` is available here; the secrets in scope are: ${names}`, available };
  }
  if (row.exclusive && use.holdExclusive) {
    const hold = await use.holdExclusive(name);
    if (!hold.ok) {
      return { ok: false, code: "in_use", message: `secret \`${name}\` is exclusive and task ${hold.heldBy} is using it; it can be typed once that task ends`, available: [] };
    }
  }
  let value: string;
  try {
    value = await openValue(env, row, use.now);
  } catch {
    return { ok: false, code: "unreadable", message: `secret \`${name}\` cannot be opened with the current DESKFLEET_SECRET_KEY; an admin must set its value again`, available: [] };
  }
  await recordRelease(env.DB, { name, at: use.now, by: use.by, taskId: use.taskId, desktopId: use.desktopId, via: use.via });
  return { ok: true, kind: row.kind, value };
}

async function openValue(keys: KeyMaterial, row: SecretRow, now: number): Promise<string> {
  const plaintext = await open(keys, "vault-secret", row.sealed, row.name);
  if (row.kind !== "totp" || !row.totp) return plaintext;
  const seed = { secret: plaintext, ...row.totp };
  let at = now;
  const left = secondsLeft(seed, at);
  if (left < MIN_TOTP_SECONDS_LEFT) {
    await new Promise((r) => setTimeout(r, Math.ceil(left * 1000) + 50));
    at = Date.now();
  }
  return totpCode(seed, at);
}

/**
 * The values of every secret in scope, labelled for redaction: passwords and
 * texts as they are, a TOTP secret's seed (its codes are redacted by whoever
 * released them). Unreadable values are skipped.
 */
export async function redactionValues(env: KeyMaterial & { DB: D1Database }, ctx: ScopeContext): Promise<KnownSecret[]> {
  const out: KnownSecret[] = [];
  for (const row of await secretsInScope(env.DB, ctx)) {
    try {
      out.push({ value: await open(env, "vault-secret", row.sealed, row.name), label: secretLabel(row.name) });
    } catch {
      // Sealed under a key we no longer have: it cannot be released either.
    }
  }
  return out;
}
