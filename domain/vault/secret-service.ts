import type { CreateSecretBody, SecretKind, SecretMetadata, SecretScope, UpdateSecretBody } from "@deskfleet/protocol";
import { parseTotpSeed, secretValueProblem } from "@deskfleet/protocol";
import { ApiError, notFound } from "../api-error.ts";
import { audit } from "../../db/audit.ts";
import { listDesktops } from "../../db/desktops.ts";
import { listSchedules } from "../../db/schedules.ts";
import { deleteSecret, getSecret, insertSecret, toSecretMetadata, updateSecret, type SecretRow } from "../../db/secrets.ts";
import { seal, type KeyMaterial } from "../crypto/secret-box.ts";

// Adding, rotating and removing vault secrets. Every check runs before
// anything is written, so a refused request changes nothing; no value is
// ever returned, logged or put in an audit entry.

type VaultEnv = KeyMaterial & { DB: D1Database };

const invalid = (field: string, message: string) => new ApiError(422, "invalid_input", `body is invalid: ${field}: ${message}`);

/** The sealed value and, for TOTP, its parameters; 422 on `value` when it does not fit the kind. */
async function sealValue(env: VaultEnv, name: string, kind: SecretKind, value: string): Promise<Pick<SecretRow, "sealed" | "totp">> {
  const problem = secretValueProblem(kind, value);
  if (problem) throw invalid("value", problem);
  if (kind !== "totp") return { sealed: await seal(env, "vault-secret", value, name), totp: null };
  const parsed = parseTotpSeed(value);
  if (!parsed.ok) throw invalid("value", parsed.reason);
  const { secret, ...params } = parsed.seed;
  return { sealed: await seal(env, "vault-secret", secret, name), totp: params };
}

/** Every desktop and schedule a scope names must exist (labels need not: a desktop may get them later). */
async function checkScope(env: VaultEnv, scope: SecretScope): Promise<void> {
  if (scope === "global") return;
  if (scope.desktops?.length) {
    const known = new Set((await listDesktops(env.DB)).map((d) => d.id));
    const i = scope.desktops.findIndex((d) => !known.has(d));
    if (i >= 0) throw invalid(`scope.desktops.${i}`, `desktop \`${scope.desktops[i]}\` does not exist; add it first or leave it out (GET /api/desktops lists them)`);
  }
  if (scope.schedules?.length) {
    const known = new Set((await listSchedules(env.DB)).map((s) => s.id));
    const i = scope.schedules.findIndex((s) => !known.has(s));
    if (i >= 0) throw invalid(`scope.schedules.${i}`, `schedule \`${scope.schedules[i]}\` does not exist (GET /api/schedules lists them)`);
  }
}

export async function createSecret(env: VaultEnv, body: CreateSecretBody, actor: string, now = Date.now()): Promise<SecretMetadata> {
  const scope = body.scope ?? "global";
  await checkScope(env, scope);
  if (await getSecret(env.DB, body.name)) throw new ApiError(409, "secret_exists", `secret \`${body.name}\` already exists; rotate it with PUT /api/secrets/${body.name} or pick another name`);
  const row: SecretRow = {
    name: body.name,
    kind: body.kind,
    description: body.description ?? "",
    scope,
    exclusive: body.exclusive ?? false,
    ...(await sealValue(env, body.name, body.kind, body.value)),
    createdAt: now,
    createdBy: actor,
    rotatedAt: null,
    rotatedBy: null,
    lastUsedAt: null,
    lastUsedBy: null,
    lastUsedTaskId: null,
    lastUsedDesktopId: null,
  };
  if (!(await insertSecret(env.DB, row))) throw new ApiError(409, "secret_exists", `secret \`${body.name}\` already exists`);
  await audit(env.DB, { actor, action: "secret.create", targetType: "secret", targetId: row.name, details: { kind: row.kind, scope, exclusive: row.exclusive } });
  return toSecretMetadata(row);
}

/** A new value (rotation), description, scope or exclusivity. */
export async function changeSecret(env: VaultEnv, name: string, body: UpdateSecretBody, actor: string, now = Date.now()): Promise<SecretMetadata> {
  const row = await getSecret(env.DB, name);
  if (!row) throw notFound("secret", name);
  if (body.scope !== undefined) await checkScope(env, body.scope);
  const patch: Partial<SecretRow> = {};
  if (body.value !== undefined) Object.assign(patch, await sealValue(env, name, row.kind, body.value), { rotatedAt: now, rotatedBy: actor });
  if (body.description !== undefined) patch.description = body.description;
  if (body.scope !== undefined) patch.scope = body.scope;
  if (body.exclusive !== undefined) patch.exclusive = body.exclusive;
  const updated = await updateSecret(env.DB, name, patch);
  if (!updated) throw notFound("secret", name);
  const fields = Object.keys(body);
  await audit(env.DB, { actor, action: body.value !== undefined ? "secret.rotate" : "secret.update", targetType: "secret", targetId: name, details: { fields } });
  return toSecretMetadata(updated);
}

export async function removeSecret(env: VaultEnv, name: string, actor: string): Promise<void> {
  if (!(await deleteSecret(env.DB, name))) throw notFound("secret", name);
  await audit(env.DB, { actor, action: "secret.delete", targetType: "secret", targetId: name });
}
