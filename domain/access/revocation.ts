import { desktopObject, fleetObject, supervisorObject, taskObject } from "../addresses.ts";
import { forgetHolders, holdersOf, recordHolder } from "../../db/access-holders.ts";
import type { Grant } from "./grant.ts";

/** A Durable Object that can hold something a grant opened, named as in `access_holders`. */
export type HolderName = "fleet" | `task:${string}` | `supervisor:${string}` | `desktop:${string}`;

/** What every such object does when a credential or session is revoked: end what it opened there. */
type Holder = { endAccess(keys: string[], reason: string): Promise<number> };

// D1 binds at most 100 parameters a statement.
const CHUNK = 50;

function holder(env: Env, name: string): Holder | null {
  if (name === "fleet") return fleetObject(env);
  const i = name.indexOf(":");
  const [kind, id] = [name.slice(0, i), name.slice(i + 1)];
  if (!id) return null;
  if (kind === "task") return taskObject(env, id);
  if (kind === "supervisor") return supervisorObject(env, id);
  if (kind === "desktop") return desktopObject(env, id);
  return null;
}

/** Remembers that `object` now holds something opened under the grant, before it is opened there. */
export function recordGrant(env: Env, grant: Grant, object: HolderName): Promise<void> {
  return recordHolder(env.DB, grant.keys, object);
}

/**
 * Ends, at once, everything opened under any of `keys`: the sockets (closed with 4401 and `reason`),
 * viewer tickets and takeover leases in every object that holds one. Returns how many were ended.
 * An object that fails is logged and skipped: the others must still be told.
 */
export async function endAccess(env: Env, keys: readonly string[], reason: string): Promise<number> {
  let ended = 0;
  for (let i = 0; i < keys.length; i += CHUNK) {
    const chunk = keys.slice(i, i + CHUNK);
    for (const name of await holdersOf(env.DB, chunk)) {
      const target = holder(env, name);
      if (!target) continue;
      try {
        ended += await target.endAccess([...chunk], reason);
      } catch (err) {
        console.error("revocation: ending access in", name, "failed:", err instanceof Error ? err.message : String(err));
      }
    }
    await forgetHolders(env.DB, chunk);
  }
  return ended;
}
