import type { Role } from "@deskfleet/protocol";

type Identity = { id: string; role: Role };

/**
 * With DESKFLEET_OWN_ONLY=true an operator sees and acts on the tasks they
 * created only: the owner to filter by, or null (admins and viewers see all,
 * and so does everyone when the setting is off).
 */
export function ownOnlyOwner(env: Env, identity: Identity): string | null {
  return env.DESKFLEET_OWN_ONLY?.trim().toLowerCase() === "true" && identity.role === "operator" ? identity.id : null;
}

/** Whether the identity may see a task created by `owner` (`sourceMeta.by`). */
export function maySee(env: Env, identity: Identity, sourceMeta: Record<string, unknown> | null): boolean {
  const owner = ownOnlyOwner(env, identity);
  return owner === null || sourceMeta?.by === owner;
}
